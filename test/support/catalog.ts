/**
 * What a database's schema is made of, read from the engine's catalog, for comparing two databases: tables and
 * columns with their types, indexes, constraints, and the text of every routine and view.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitBatches } from '../../src/db/batches.js';
import { PROJECT_ROOT } from '../../src/runtime/paths.js';
import type { TestWarehouse } from './engines.js';

export type Catalog = Record<string, unknown[]>;

const PG_SCHEMAS = `('PiXL', 'ETL', 'public')`;

async function postgresCatalog(db: TestWarehouse): Promise<Catalog> {
  return {
    columns: await db.query(`
      SELECT table_schema, table_name, column_name, ordinal_position, data_type, character_maximum_length,
        numeric_precision, numeric_scale, datetime_precision, is_nullable, column_default, is_generated,
        generation_expression, collation_name
      FROM information_schema.columns WHERE table_schema IN ${PG_SCHEMAS}
      ORDER BY table_schema, table_name, ordinal_position`),
    tables: await db.query(`
      SELECT n.nspname, c.relname, c.relkind, c.reloptions
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ${PG_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm')
      ORDER BY 1, 2`),
    indexes: await db.query(`
      SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes WHERE schemaname IN ${PG_SCHEMAS}
      ORDER BY 1, 2, 3`),
    constraints: await db.query(`
      SELECT n.nspname, c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname IN ${PG_SCHEMAS} ORDER BY 1, 2, 3`),
    routines: await db.query(`
      SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid) AS args,
        pg_get_functiondef(p.oid) AS def
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN ('PiXL', 'ETL') ORDER BY 1, 2, 3`),
    views: await db.query(`
      SELECT schemaname, viewname, definition FROM pg_views WHERE schemaname IN ${PG_SCHEMAS} ORDER BY 1, 2`),
  };
}

async function mssqlCatalog(db: TestWarehouse): Promise<Catalog> {
  return {
    columns: await db.query(`
      SELECT SCHEMA_NAME(t.schema_id) AS s, t.name AS t, c.name AS c, c.column_id, TYPE_NAME(c.user_type_id) AS type,
        c.max_length, c.precision, c.scale, c.is_nullable, c.collation_name, c.is_identity,
        cc.definition AS computed, cc.is_persisted, dc.definition AS default_value
      FROM sys.tables t JOIN sys.columns c ON c.object_id = t.object_id
      LEFT JOIN sys.computed_columns cc ON cc.object_id = c.object_id AND cc.column_id = c.column_id
      LEFT JOIN sys.default_constraints dc ON dc.parent_object_id = c.object_id AND dc.parent_column_id = c.column_id
      ORDER BY 1, 2, 4`),
    indexes: await db.query(`
      SELECT SCHEMA_NAME(t.schema_id) AS s, t.name AS t, i.name, i.type_desc, i.is_unique, i.is_primary_key,
        i.ignore_dup_key, i.filter_definition, i.optimize_for_sequential_key, p.data_compression_desc,
        (SELECT STRING_AGG(CONCAT(c.name, CASE WHEN ic.is_descending_key = 1 THEN ' DESC' END,
            CASE WHEN ic.is_included_column = 1 THEN ' INCLUDE' END), ',')
           WITHIN GROUP (ORDER BY ic.is_included_column, ic.key_ordinal, c.name)
         FROM sys.index_columns ic JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
         WHERE ic.object_id = i.object_id AND ic.index_id = i.index_id) AS cols
      FROM sys.indexes i JOIN sys.tables t ON t.object_id = i.object_id
      JOIN sys.partitions p ON p.object_id = i.object_id AND p.index_id = i.index_id AND p.partition_number = 1
      ORDER BY 1, 2, 3`),
    modules: await db.query(`
      SELECT SCHEMA_NAME(o.schema_id) AS s, o.name, o.type, m.definition
      FROM sys.sql_modules m JOIN sys.objects o ON o.object_id = m.object_id ORDER BY 1, 2`),
    synonyms: await db.query(
      'SELECT SCHEMA_NAME(schema_id) AS s, name, base_object_name FROM sys.synonyms ORDER BY 1, 2',
    ),
  };
}

export function catalogOf(db: TestWarehouse): Promise<Catalog> {
  return db.engine === 'mssql' ? mssqlCatalog(db) : postgresCatalog(db);
}

/**
 * Builds the schema the way the last release before objects/ did: every file of test/fixtures/schema-0041
 * (a copy of sql/<engine>/ as released then) in order, each recorded by name in SchemaMigrations.
 */
export async function applyReleasedSchema0041(db: TestWarehouse): Promise<string[]> {
  const folder = join(PROJECT_ROOT, 'test', 'fixtures', 'schema-0041', db.engine);
  const files = readdirSync(folder).sort();
  const mssql = db.engine === 'mssql';
  await db.query(
    mssql
      ? `CREATE TABLE dbo.SchemaMigrations (Name VARCHAR(200) NOT NULL PRIMARY KEY,
           AppliedAt DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME())`
      : `CREATE TABLE public."SchemaMigrations" ("Name" varchar(200) PRIMARY KEY,
           "AppliedAt" timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'))`,
  );
  for (const file of files) {
    const script = readFileSync(join(folder, file), 'utf8');
    for (const batch of mssql ? splitBatches(script) : [script]) await db.query(batch);
    await db.query(
      `INSERT INTO ${db.name(mssql ? 'dbo.SchemaMigrations' : 'public.SchemaMigrations')} VALUES ($1)`.replace(
        'VALUES',
        `(${db.name('Name')}) VALUES`,
      ),
      [file.replace(/\.sql$/, '')],
    );
  }
  return files;
}

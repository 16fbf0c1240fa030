/** PostgreSQL bookkeeping of the schema runner (src/db/migrate.ts): public.SchemaMigrations and SchemaObjects. */
import type pg from 'pg';
import { runsInOneTransaction, splitBatches } from '../batches.js';
import type { SchemaFile, SchemaState, SchemaStore } from '../types.js';
import { inTransaction } from './sql.js';

/** pg_input_is_valid (the parse's typing helpers) and the SQL-standard function bodies need 16. */
const MIN_SERVER_VERSION = 160000;

export interface PostgresServer {
  /** server_version_num, e.g. 180001. */
  num: string;
  version: string;
  encoding: string;
}

/** Why this server cannot hold the schema, or undefined when it can. */
export function postgresServerProblem(server: PostgresServer): string | undefined {
  if (Number(server.num) < MIN_SERVER_VERSION)
    return `PostgreSQL 16 or later is needed, found ${server.version}`;
  if (server.encoding !== 'UTF8')
    return `the database must use the UTF8 encoding (email hashes are SHA-256 of UTF-8 bytes), found ${server.encoding}`;
  return undefined;
}

export class PostgresSchemaStore implements SchemaStore {
  constructor(private readonly pool: pg.Pool) {}

  async checkServer(): Promise<string[]> {
    const { rows } = await this.pool.query<PostgresServer>(
      `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version,
         current_setting('server_encoding') AS encoding`,
    );
    const server = rows[0];
    if (!server) throw new Error('could not read the PostgreSQL server version');
    const problem = postgresServerProblem(server);
    if (problem) throw new Error(problem);
    return [];
  }

  async schemaState(): Promise<SchemaState> {
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS public."SchemaMigrations" (
        "Name" varchar(200) PRIMARY KEY,
        "AppliedAt" timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'));
      ALTER TABLE public."SchemaMigrations" ADD COLUMN IF NOT EXISTS "Checksum" char(64);
      CREATE TABLE IF NOT EXISTS public."SchemaObjects" (
        "Name" varchar(200) PRIMARY KEY,
        "Checksum" char(64) NOT NULL,
        "AppliedAt" timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'));`);
    const migrations = await this.pool.query<{ Name: string; Checksum: string | null }>(
      'SELECT "Name", "Checksum" FROM public."SchemaMigrations"',
    );
    const objects = await this.pool.query<{ Name: string; Checksum: string }>(
      'SELECT "Name", "Checksum" FROM public."SchemaObjects"',
    );
    return {
      migrations: new Map(migrations.rows.map((r) => [r.Name, r.Checksum])),
      objects: new Map(objects.rows.map((r) => [r.Name, r.Checksum])),
    };
  }

  async applyMigration(file: SchemaFile): Promise<void> {
    const oneTransaction = runsInOneTransaction(file.text);
    // Each batch alone: the simple-query protocol would otherwise run a multi-statement text as one transaction.
    if (!oneTransaction) for (const batch of splitBatches(file.text)) await this.pool.query(batch);
    return inTransaction(this.pool, async (client) => {
      if (oneTransaction) await client.query(file.text);
      await client.query('INSERT INTO public."SchemaMigrations" ("Name", "Checksum") VALUES ($1, $2)', [
        file.name,
        file.checksum,
      ]);
    });
  }

  applyObject(file: SchemaFile): Promise<void> {
    return inTransaction(this.pool, async (client) => {
      await client.query(file.text);
      await client.query(
        `INSERT INTO public."SchemaObjects" ("Name", "Checksum") VALUES ($1, $2)
         ON CONFLICT ("Name") DO UPDATE SET "Checksum" = EXCLUDED."Checksum", "AppliedAt" = now() AT TIME ZONE 'UTC'`,
        [file.name, file.checksum],
      );
    });
  }

  async adoptMigrationChecksum(name: string, checksum: string): Promise<void> {
    await this.pool.query(
      'UPDATE public."SchemaMigrations" SET "Checksum" = $2 WHERE "Name" = $1 AND "Checksum" IS NULL',
      [name, checksum],
    );
  }
}

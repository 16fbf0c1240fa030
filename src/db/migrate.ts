/**
 * Brings a database to the schema of `sql/<engine>/`:
 * 1. `migrations/NNNN_name.sql` (tables, indexes, data changes) in order, each once. A migration that changed
 *    after it was applied stops everything before anything runs: released migrations are never edited.
 * 2. `objects/<Schema>.<Name>.sql` (procedures, functions, views) whose text changed since it was last
 *    applied, dependencies first. An object file holds the whole current definition, so changing a procedure
 *    is one edit to its file, and an existing database gets exactly that change.
 * Each file runs in one transaction with its bookkeeping row, under a database-wide lock so two processes
 * starting at once never apply the same file twice.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../runtime/paths.js';
import type { SchemaFile, Warehouse } from './types.js';

export const SQL_ROOT = join(PROJECT_ROOT, 'sql');

export class MigrationChangedError extends Error {
  override name = 'MigrationChangedError';
}

export function checksumOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

function readFolder(folder: string, pattern: RegExp): SchemaFile[] {
  return readdirSync(folder)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => {
      const path = join(folder, f);
      const text = readFileSync(path, 'utf8');
      return { name: f.replace(/\.sql$/, ''), path, text, checksum: checksumOf(text) };
    });
}

export function migrationFiles(engine: Warehouse['engine']): SchemaFile[] {
  return readFolder(join(SQL_ROOT, engine, 'migrations'), /^\d{4}_.+\.sql$/);
}

/** The object files in dependency order: an object comes after every object its text names. */
export function objectFiles(engine: Warehouse['engine']): SchemaFile[] {
  return dependencyOrder(readFolder(join(SQL_ROOT, engine, 'objects'), /^[A-Za-z]\w*\.\w+\.sql$/));
}

/** The code of a file without its comments, where a mention of an object is not a dependency. */
const withoutComments = (text: string): string =>
  text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');

/** A pattern finding the object `Schema.Name` quoted either way ("ETL"."X", [ETL].[X]) or bare. */
function mentionOf(dotted: string): RegExp {
  const [schema, name] = dotted.split('.') as [string, string];
  const part = (p: string) => `(?:"${p}"|\\[${p}\\]|\\b${p}\\b)`;
  return new RegExp(`${part(schema)}\\s*\\.\\s*${part(name)}`);
}

export function dependencyOrder(files: readonly SchemaFile[]): SchemaFile[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const code = new Map(files.map((f) => [f.name, withoutComments(f.text)]));
  const patterns = files.map((o) => [o.name, mentionOf(o.name)] as const);
  const dependsOn = new Map(
    files.map((f) => [
      f.name,
      patterns
        .filter(([name, pattern]) => name !== f.name && pattern.test(code.get(f.name) ?? ''))
        .map(([name]) => name),
    ]),
  );
  const ordered: SchemaFile[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new Error(`object files depend on each other in a cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dep of dependsOn.get(name) ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
    ordered.push(byName.get(name) as SchemaFile);
  };
  for (const f of files) visit(f.name, []);
  return ordered;
}

const shown = (path: string) => relative(PROJECT_ROOT, path);

export interface MigrateReport {
  migrations: string[];
  objects: string[];
}

export interface SchemaFiles {
  migrations: SchemaFile[];
  objects: SchemaFile[];
}

export async function migrate(
  db: Warehouse,
  log: (line: string) => void = () => {},
  files: SchemaFiles = { migrations: migrationFiles(db.engine), objects: objectFiles(db.engine) },
): Promise<MigrateReport> {
  for (const warning of await db.schema.checkServer()) log(`warning: ${warning}`);
  const { migrations, objects } = files;
  return db.withLock('smartpixl-migrate', async () => {
    const state = await db.schema.schemaState();
    const known = new Set(migrations.map((m) => m.name));
    const unknown = [...state.migrations.keys()].filter((name) => !known.has(name));
    if (unknown.length > 0)
      throw new MigrationChangedError(
        `the database has migration(s) this version does not know: ${unknown.join(', ')} (is it newer than this code?)`,
      );
    // Every check first: nothing runs when any applied migration was edited.
    for (const m of migrations) {
      const recorded = state.migrations.get(m.name);
      if (recorded && recorded !== m.checksum)
        throw new MigrationChangedError(
          `${shown(m.path)} was changed after it was applied to this database (checksum ${recorded.slice(0, 12)} ` +
            `recorded, ${m.checksum.slice(0, 12)} now). A released migration is never edited: restore it and ` +
            'put the change in a new migration.',
        );
    }
    const report: MigrateReport = { migrations: [], objects: [] };
    for (const m of migrations) {
      if (!state.migrations.has(m.name)) {
        log(`applying ${shown(m.path)}`);
        await db.schema.applyMigration(m);
        report.migrations.push(m.name);
      } else if (state.migrations.get(m.name) === null) {
        // Recorded by a version that kept names only: its text as of this upgrade becomes the baseline.
        await db.schema.adoptMigrationChecksum(m.name, m.checksum);
      }
    }
    for (const o of objects) {
      if (state.objects.get(o.name) === o.checksum) continue;
      log(`applying ${shown(o.path)}`);
      await db.schema.applyObject(o);
      report.objects.push(o.name);
    }
    return report;
  });
}

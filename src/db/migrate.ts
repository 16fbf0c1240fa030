/**
 * Applies the numbered SQL migrations of `sql/<engine>/` in order (umzug tracks what is pending). Each file
 * runs in one transaction together with its record in SchemaMigrations, under a database-wide lock so two
 * processes starting at once cannot both apply it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Umzug } from 'umzug';
import { PROJECT_ROOT } from '../runtime/paths.js';
import type { Warehouse } from './types.js';

export const SQL_ROOT = join(PROJECT_ROOT, 'sql');

export function migrationFiles(engine: Warehouse['engine']): { name: string; path: string }[] {
  const folder = join(SQL_ROOT, engine);
  return readdirSync(folder)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), path: join(folder, f) }));
}

export async function migrate(db: Warehouse, log: (line: string) => void = () => {}): Promise<string[]> {
  return db.withLock('smartpixl-migrate', async () => {
    const umzug = new Umzug({
      migrations: migrationFiles(db.engine).map((m) => ({
        name: m.name,
        path: m.path,
        up: () => db.applyMigration(m.name, readFileSync(m.path, 'utf8')),
      })),
      // applyMigration records the name in the same transaction, so logging here would record it twice.
      storage: {
        executed: () => db.appliedMigrations(),
        logMigration: async () => {},
        unlogMigration: async () => {},
      },
      logger: undefined,
    });
    umzug.on('migrating', ({ name }) => log(`applying ${name}`));
    const applied = await umzug.up();
    return applied.map((m) => m.name);
  });
}

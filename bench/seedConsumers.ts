/**
 * `npm run bench:seed-consumers` — synthetic consumers per second into an empty AutoConsumer on the embedded
 * PostgreSQL (COPY, indexes rebuilt after the load). BENCH_ROWS (default 1,000,000), BENCH_PG_PORT (54353).
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { seedConsumers } from '../src/identity/seedConsumers.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const PORT = Number(process.env.BENCH_PG_PORT ?? 54353);
const log = (line: string) => console.log(`[bench:seed-consumers] ${line}`);

const server = await startEmbeddedPostgres({
  dataDir: join(PROJECT_ROOT, '.data', 'bench-pg-consumers'),
  port: PORT,
  database: 'postgres',
});
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS bench_consumers WITH (FORCE)');
  await admin.query('CREATE DATABASE bench_consumers');
  await admin.end();
  const db = new PostgresWarehouse(server.url.replace(/\/postgres$/, '/bench_consumers'));
  try {
    await migrate(db);
    const result = await seedConsumers(db, {
      rows: ROWS,
      seed: 1,
      onProgress: (p) =>
        log(`${p.rows} rows, ${Math.round(p.rowsPerSecond)} rows/s, ETA ${Math.ceil(p.etaSeconds)} s`),
    });
    const [stats] = await db.query<{ rows: number; withEmail: number; emails: number }>(
      `SELECT count(*) AS "rows", count("EMail") AS "withEmail", count(DISTINCT "EMailNorm") AS "emails" FROM "AutoConsumer"`,
    );
    log(
      `${cpus().length} cores; ${ROWS} rows: load ${result.loadSeconds.toFixed(1)} s (${Math.round(result.rowsPerSecond)} rows/s), ` +
        `index rebuild ${result.indexSeconds.toFixed(1)} s, total ${Math.round(ROWS / (result.loadSeconds + result.indexSeconds))} rows/s`,
    );
    log(
      `table: ${stats?.rows} rows, ${stats?.withEmail} with email, ${stats?.emails} distinct normalised emails`,
    );
  } finally {
    await db.close();
  }
} finally {
  await server.stop();
}

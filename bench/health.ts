/**
 * `npm run bench:health` — on the embedded PostgreSQL: the database part of GET /api/health
 * (ETL.vw_Dash_PipelineHealth through src/etl/health.ts) with BENCH_TEST_ROWS (10 M) rows in PiXL.Test and
 * a tenth of that parsed into Parsed and Visit, caught up and 10 M rows behind, against the view as released
 * in 0004 (test/fixtures/schema-0041), which counted and scanned the tables. Results go to
 * docs/PERFORMANCE.md, section "Health".
 */
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { pipelineHealth } from '../src/etl/health.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { median, writePerformanceSection } from './report.js';

const ROWS = Number(process.env.BENCH_TEST_ROWS ?? 10_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const PORT = Number(process.env.BENCH_PG_PORT ?? 54360);
const log = (line: string) => console.log(`[bench:health] ${line}`);
const THRESHOLDS = {
  parseLag: { warning: 1e9, critical: 1e9 },
  matchLag: { warning: 1e9, critical: 1e9 },
  queueBacklog: { warning: 1e9, critical: 1e9 },
};

async function fill(db: PostgresWarehouse): Promise<void> {
  const chunk = 1_000_000;
  for (let from = 1; from <= ROWS; from += chunk) {
    const to = Math.min(ROWS, from + chunk - 1);
    // Sequential HitIds, as UUIDv7s made at capture roughly are.
    await db.query(
      `INSERT INTO "PiXL"."Test" ("HitId", "HitType", "CompanyID", "PiXLID", "IPAddress", "RequestPath",
         "QueryString", "QueryTruncated", "ParamsJson", "HeadersJson", "UserAgent", "Referer", "ReceivedAt")
       SELECT lpad(to_hex(i), 32, '0')::uuid, 'pixel', '12800', '1', '198.51.100.' || (i % 250),
         '/api/12800/1_SMART.GIF', 'sw=1920&sh=1080&_cp_email=a%40example.com', false,
         jsonb_build_object('sw', '1920', 'sh', '1080', '_cp_email', 'a@example.com'), '{}'::jsonb,
         'Mozilla/5.0', 'https://example.com/', timestamp '2026-11-01' + i * interval '50 milliseconds'
       FROM generate_series($1::bigint, $2::bigint) i`,
      [from, to],
    );
    log(`  ${to.toLocaleString('en-US')} rows in PiXL.Test`);
  }
  const tenth = Math.floor(ROWS / 10);
  await db.query(
    `INSERT INTO "PiXL"."Parsed" ("SourceId", "CompanyID", "PiXLID", "IPAddress", "ReceivedAt")
     SELECT "Id", "CompanyID", "PiXLID", "IPAddress", "ReceivedAt" FROM "PiXL"."Test" WHERE "Id" <= $1`,
    [tenth],
  );
  await db.query(
    `INSERT INTO "PiXL"."Visit" ("VisitID", "CompanyID", "PiXLID", "ReceivedAt", "MatchEmail")
     SELECT "SourceId", "CompanyID", "PiXLID", "ReceivedAt", 'a@example.com' FROM "PiXL"."Parsed"`,
  );
  log('VACUUM ANALYZE (what autovacuum does after such growth)…');
  await db.query('VACUUM ANALYZE "PiXL"."Test", "PiXL"."Parsed", "PiXL"."Visit"');
}

async function timeRuns(read: () => Promise<unknown>, runs: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await read();
    ms.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return ms;
}

const fmt = (ms: number[]) => `${median(ms).toFixed(1)} ms median, ${Math.max(...ms).toFixed(1)} ms max`;

async function main(): Promise<void> {
  const dataDir = join(PROJECT_ROOT, '.data', 'bench-health');
  rmSync(dataDir, { recursive: true, force: true });
  log(`starting embedded PostgreSQL on ${PORT} (${dataDir})`);
  const server = await startEmbeddedPostgres({ dataDir, port: PORT, database: 'health_bench' });
  const db = new PostgresWarehouse(server.url, 2);
  try {
    await migrate(db);
    log(`filling ${ROWS.toLocaleString('en-US')} rows…`);
    await fill(db);
    const health = () => pipelineHealth(db, THRESHOLDS);

    // Behind: the parse watermark at 0, every raw row ahead of it.
    await health();
    const behind = await timeRuns(health, RUNS);
    const sample = await health();
    log(`behind: ${fmt(behind)}; parseLag ${String(sample.parseLag)}, testRows ${String(sample.testRows)}`);

    await db.query(
      `UPDATE "ETL"."Watermark" SET "LastVersion" = (SELECT max("TxId") FROM "PiXL"."Test"),
         "LastVersionId" = (SELECT max("Id") FROM "PiXL"."Test"), "LastProcessedId" = (SELECT max("Id") FROM "PiXL"."Test")`,
    );
    const caughtUp = await timeRuns(health, RUNS);
    log(`caught up: ${fmt(caughtUp)}`);

    // The view as released before this one: every count a scan of its table.
    const released = readFileSync(
      join(PROJECT_ROOT, 'test', 'fixtures', 'schema-0041', 'postgres', '0004_pipeline_health.sql'),
      'utf8',
    ).replace('CREATE VIEW "ETL"."vw_Dash_PipelineHealth"', 'CREATE VIEW "ETL"."vw_Health_0041"');
    await db.query(released);
    const old = await timeRuns(() => db.query('SELECT * FROM "ETL"."vw_Health_0041"'), 3);
    log(`view as released in 0004: ${fmt(old)}`);

    writePerformanceSection(
      'Health',
      `\`npm run bench:health\`, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores ` +
        `(${cpus()[0]?.model.trim()}), load ${loadavg()[0]?.toFixed(1)} at the end, embedded PostgreSQL 18. ` +
        `${ROWS.toLocaleString('en-US')} rows in PiXL.Test (a tenth parsed into Parsed and Visit), vacuumed and ` +
        `analyzed as autovacuum leaves them. Time of \`pipelineHealth\` (src/etl/health.ts: the one row of ` +
        `ETL.vw_Dash_PipelineHealth), ${RUNS} runs each after one warm-up; the queue backlog that /api/health ` +
        'adds is one Storage call and not included.',
      [
        ['Health, parse caught up', fmt(caughtUp), 'target ≤ 50 ms'],
        [
          'Health, 10 M rows not yet parsed',
          fmt(behind),
          `parseLag counted to 10,000, then newest Id minus watermark`,
        ],
        ['View as released in 0004 (counts and scans)', fmt(old), '3 runs: what /api/health cost before'],
      ],
    );
  } finally {
    await db.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * `npm run bench:etl` — rows/s of the whole parse step (ETL.usp_ParseNewHits: Parsed + Device + IP + Visit)
 * on the embedded PostgreSQL. Realistic hits (every catalog key, ~4 KB query strings) are landed through the
 * writer's insertHits, then parsed from scratch several times; the median is written to docs/PERFORMANCE.md
 * (section "ETL parse").
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { makeHit } from '../test/support/hits.js';
import { parseBatch } from '../test/support/parseBatch.js';
import { realisticQueryString, rng } from '../test/support/realisticHits.js';
import { backendCpuMs, median, writePerformanceSection } from './report.js';

const HITS = Number(process.env.BENCH_HITS ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const PORT = Number(process.env.BENCH_PG_PORT ?? 54351);
const DEVICES = Math.max(1, Math.floor(HITS / 20));
const log = (line: string) => console.log(`[bench:etl] ${line}`);

async function landHits(db: PostgresWarehouse): Promise<number> {
  const r = rng(42);
  const base = Date.now() - HITS * 10;
  let bytes = 0;
  for (let start = 0; start < HITS; start += 1000) {
    const rows = [];
    for (let i = start; i < Math.min(HITS, start + 1000); i++) {
      const queryString = realisticQueryString(i, DEVICES);
      bytes += queryString.length;
      const ip = `198.51.${Math.floor(r() * 20)}.${Math.floor(r() * 250)}`;
      rows.push(toHitRow(makeHit({ queryString, ip, receivedAt: new Date(base + i * 10).toISOString() })));
    }
    await db.insertHits(rows);
  }
  return bytes / HITS;
}

async function reset(db: PostgresWarehouse): Promise<void> {
  await db.query(
    'TRUNCATE "PiXL"."Visit", "PiXL"."Parsed", "PiXL"."Device", "PiXL"."IP" RESTART IDENTITY CASCADE',
  );
  await db.query(
    `UPDATE "ETL"."Watermark" SET "LastVersion" = '0', "LastVersionId" = 0, "LastProcessedId" = 0, "RowsProcessed" = 0`,
  );
  await db.query('CHECKPOINT');
}

async function main(): Promise<void> {
  const dataDir = join(PROJECT_ROOT, '.data', 'bench-pg');
  rmSync(dataDir, { recursive: true, force: true });
  log(`starting embedded PostgreSQL on ${PORT} (${dataDir})`);
  const server = await startEmbeddedPostgres({ dataDir, port: PORT, database: 'etl_bench' });
  const db = new PostgresWarehouse(server.url, 2);
  // One connection for the parse calls, so its backend's CPU time can be read: on a shared machine the
  // wall-clock rate depends on what else runs, the CPU-time rate much less.
  const parser = new PostgresWarehouse(server.url, 1);
  try {
    await migrate(db);
    log(`landing ${HITS} hits through insertHits…`);
    const avgQuery = await landHits(db);
    await db.query('VACUUM ANALYZE "PiXL"."Test"');
    const [backend] = await parser.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = Number(backend?.pid);
    const results: { seconds: number; cpuSeconds: number; rows: number; devices: number; visits: number }[] =
      [];
    for (let run = 1; run <= RUNS; run++) {
      await reset(db);
      const started = process.hrtime.bigint();
      const cpuStarted = backendCpuMs(pid);
      let rows = 0;
      let devices = 0;
      let visits = 0;
      for (;;) {
        const batch = await parseBatch(parser, BATCH);
        rows += batch.rowsParsed;
        visits += batch.visitsInserted;
        devices += batch.devicesUpserted;
        if (batch.rowsParsed < BATCH) break;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuSeconds = (backendCpuMs(pid) - cpuStarted) / 1000;
      results.push({ seconds, cpuSeconds, rows, devices, visits });
      log(
        `run ${run}: ${rows} rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s (backend CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(rows / cpuSeconds)} rows per CPU second)`,
      );
      if (rows !== HITS || visits !== HITS)
        throw new Error(`parsed ${rows} rows, ${visits} visits of ${HITS}`);
    }
    const rates = results.map((r) => Math.round(r.rows / r.seconds));
    const cpuRates = results.map((r) => Math.round(r.rows / r.cpuSeconds));
    const load = loadavg()[0]?.toFixed(1);
    const [size] = await db.query<{ parsed: string; avg: number }>(
      `SELECT pg_size_pretty(pg_total_relation_size('"PiXL"."Parsed"')) AS parsed,
        (SELECT avg(pg_column_size(p.*))::int FROM "PiXL"."Parsed" p) AS avg`,
    );
    const [devices] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM "PiXL"."Device"');
    const method = `\`npm run bench:etl\`, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}, embedded PostgreSQL 18 (settings of src/local/embeddedPostgres.ts, synchronous_commit on). ${HITS} hits with every catalog key (average query string ${Math.round(avgQuery)} bytes, ${DEVICES} distinct devices, 5,000 IPs) landed through insertHits; then ${RUNS} runs each parsing all of them from an empty warehouse in batches of ${BATCH} (each batch one call of ETL.usp_ParseNewHits = one transaction writing Parsed, Device, IP and Visit). Median quoted; a checkpoint before each run.`;
    writePerformanceSection('ETL parse', method, [
      [
        'Whole parse step, PostgreSQL (wall clock)',
        `${median(rates)} rows/s`,
        `runs: ${rates.join(', ')}; target ≥ 20,000 rows/s; load average ${load} at the end (shared machine)`,
      ],
      [
        'Whole parse step per CPU second of the database backend',
        `${median(cpuRates)} rows/s`,
        `runs: ${cpuRates.join(', ')}; one statement is single-threaded, so this is one core's capacity`,
      ],
      [
        'Time for the whole set',
        `${median(results.map((r) => r.seconds)).toFixed(2)} s`,
        `${HITS} hits, ${Math.ceil(HITS / BATCH)} batches`,
      ],
      ['PiXL.Parsed size', String(size?.parsed), `${size?.avg} bytes per row on average (175 columns)`],
      [
        'Devices / visits written',
        `${devices?.n} / ${HITS}`,
        'one visit per hit; devices deduplicated by hash',
      ],
    ]);
    log(`median ${median(rates)} rows/s — written to docs/PERFORMANCE.md`);
  } finally {
    await parser.close();
    await db.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * `npm run bench:etl` — rows/s of the whole parse step (ETL.usp_NumberSignals and ETL.usp_ParseNewHits: signals, Parsed, Device, IP,
 * Visit) on the embedded PostgreSQL, with the behaviour signals off and on, for four traffic mixes: addresses
 * spread over the IPv4 space; 20 /24 networks (carrier NAT); every hit from one /24; every hit from one
 * address. Realistic hits (every catalog key, ~4.7 KB query strings, 10 ms apart) are landed once through the
 * writer's insertHits; each run takes the mixes in turn, rewriting their addresses, and parses them all from an
 * empty warehouse, with one parse lane and with more (BENCH_LANES: lanes run at once, each on its own connection, as
 * src/etl/lanes.ts runs them, beside the signals' numbering). Besides wall clock it counts work inside the
 * database: CPU seconds of the whole server during the pass, and the index entries and buffers the signals
 * read from ETL.SignalHit per hit (pg_stat counters). Results go to docs/PERFORMANCE.md (section "ETL parse").
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { SIGNAL_DEFAULTS } from '../src/enrich/signals.js';
import { runParse } from '../src/etl/lanes.js';
import { numberOf } from '../src/etl/procedures.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { makeHit } from '../test/support/hits.js';
import { realisticQueryString } from '../test/support/realisticHits.js';
import { median, postgresServerCpuMs, writePerformanceSection } from './report.js';

const HITS = Number(process.env.BENCH_HITS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const PORT = Number(process.env.BENCH_PG_PORT ?? 54351);
const MIXES = (process.env.BENCH_MIXES ?? 'spread,subnets20,one24,oneAddress').split(',');
const LANES = (process.env.BENCH_LANES ?? '1,2').split(',').map(Number);
const DEVICES = Math.max(1, Math.floor(HITS / 20));
const SPACING_MS = 10;
const log = (line: string) => console.log(`[bench:etl] ${line}`);

/** Each mix's address of a raw row, from a hash of its Id (h), in SQL. */
const MIX_ADDRESS: Record<string, { label: string; sql: string }> = {
  spread: {
    label: 'spread over the IPv4 space',
    sql: `(1 + (h & 255) % 223) || '.' || ((h >> 8) & 255) || '.' || ((h >> 16) & 255) || '.' || ((h >> 24) & 255)`,
  },
  subnets20: {
    label: '20 /24 networks',
    sql: `'198.51.' || ((h & 255) % 20) || '.' || ((h >> 8) & 255) % 250`,
  },
  one24: { label: `one /24 (flood of ${HITS})`, sql: `'203.0.113.' || (1 + ((h >> 8) & 255) % 250)` },
  oneAddress: { label: `one address (flood of ${HITS})`, sql: `'203.0.113.7'` },
};

async function landHits(db: PostgresWarehouse): Promise<number> {
  const base = Date.now() - HITS * SPACING_MS;
  let bytes = 0;
  for (let start = 0; start < HITS; start += 1000) {
    const rows = [];
    for (let i = start; i < Math.min(HITS, start + 1000); i++) {
      const queryString = realisticQueryString(i, DEVICES);
      bytes += queryString.length;
      rows.push(
        toHitRow(
          makeHit({
            queryString,
            ip: '192.0.2.1',
            receivedAt: new Date(base + i * SPACING_MS).toISOString(),
          }),
        ),
      );
    }
    await db.insertHits(rows);
  }
  return bytes / HITS;
}

async function setMix(db: PostgresWarehouse, mix: string): Promise<void> {
  const address = MIX_ADDRESS[mix];
  if (!address) throw new Error(`unknown mix ${mix} (known: ${Object.keys(MIX_ADDRESS).join(', ')})`);
  await db.query(`UPDATE "PiXL"."Test" t SET "IPAddress" = x.ip
    FROM (SELECT "Id", ${address.sql} AS ip FROM (SELECT "Id", hashint8extended("Id", 42) AS h FROM "PiXL"."Test") y) x
    WHERE x."Id" = t."Id"`);
  await db.query('VACUUM ANALYZE "PiXL"."Test"');
}

async function reset(db: PostgresWarehouse): Promise<void> {
  await db.query(
    'TRUNCATE "PiXL"."Visit", "PiXL"."Parsed", "PiXL"."Device", "PiXL"."IP", "ETL"."SignalHit" RESTART IDENTITY CASCADE',
  );
  await db.query(
    `UPDATE "ETL"."Watermark" SET "LastVersion" = '0', "LastVersionId" = 0, "LastProcessedId" = 0, "RowsProcessed" = 0`,
  );
  await db.query('CHECKPOINT');
}

/** Index entries and buffers ETL.SignalHit has served (heap and indexes), as the statistics system has them. */
async function signalReads(db: PostgresWarehouse): Promise<{ entries: number; buffers: number }> {
  const [row] = await db.query<{ entries: string; buffers: string }>(`
    SELECT (SELECT COALESCE(sum(idx_tup_read), 0) FROM pg_stat_user_indexes WHERE relid = '"ETL"."SignalHit"'::regclass) AS entries,
      (SELECT COALESCE(heap_blks_hit + heap_blks_read + idx_blks_hit + idx_blks_read, 0)
        FROM pg_statio_user_tables WHERE relid = '"ETL"."SignalHit"'::regclass) AS buffers`);
  return { entries: Number(row?.entries), buffers: Number(row?.buffers) };
}

interface Run {
  seconds: number;
  cpuSeconds: number;
  rows: number;
  entries: number;
  buffers: number;
}

/** The parser's pool: a connection for each lane of the widest pass and one for the numbering. */
const PARSER_CONNECTIONS = Math.max(...LANES) + 1;

/**
 * Makes every backend of the parser's pool report its statistics counters now (an idle backend may wait
 * seconds to): each connection, checked out at once, asks for its next report to be forced, which happens as
 * that statement's transaction ends. All of them, whichever a pass with fewer lanes happened to use.
 */
async function flushStatistics(parser: PostgresWarehouse): Promise<void> {
  const clients = await Promise.all(Array.from({ length: PARSER_CONNECTIONS }, () => parser.pool.connect()));
  try {
    for (const client of clients) await client.query('SELECT pg_stat_force_next_flush()');
  } finally {
    for (const client of clients) client.release();
  }
}

async function parseAll(
  parser: PostgresWarehouse,
  lanes: number,
  db: PostgresWarehouse,
  dataDir: string,
  enrich: boolean,
): Promise<Run> {
  const reads = await signalReads(db);
  const started = process.hrtime.bigint();
  const cpuStarted = postgresServerCpuMs(dataDir);
  // The product's runner: the numbering and the lanes at once, each on its own connection of the parser's pool.
  const outcome = await runParse(
    parser,
    { BatchSize: BATCH, ...SIGNAL_DEFAULTS, Enrich: enrich },
    lanes,
    Number.POSITIVE_INFINITY,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await flushStatistics(parser);
  const cpuSeconds = (postgresServerCpuMs(dataDir) - cpuStarted) / 1000;
  const sum = (column: string) => outcome.rows.reduce((n, row) => n + (numberOf(row[column]) ?? 0), 0);
  const rows = sum('RowsParsed');
  const visits = sum('VisitsInserted');
  if (rows !== HITS || visits !== HITS) throw new Error(`parsed ${rows} rows, ${visits} visits of ${HITS}`);
  const after = await signalReads(db);
  return {
    seconds,
    cpuSeconds,
    rows,
    entries: after.entries - reads.entries,
    buffers: after.buffers - reads.buffers,
  };
}

async function main(): Promise<void> {
  const dataDir = join(PROJECT_ROOT, '.data', 'bench-pg');
  rmSync(dataDir, { recursive: true, force: true });
  log(`starting embedded PostgreSQL on ${PORT} (${dataDir})`);
  const server = await startEmbeddedPostgres({ dataDir, port: PORT, database: 'etl_bench' });
  const db = new PostgresWarehouse(server.url, 2);
  // One pool for every pass, kept between passes as the ETL timer's pool keeps its connections between ticks
  // (src/db/types.ts POOL_IDLE_TIMEOUT_MS).
  const parser = new PostgresWarehouse(server.url, PARSER_CONNECTIONS);
  try {
    await migrate(db);
    log(`landing ${HITS} hits through insertHits…`);
    const avgQuery = await landHits(db);
    const results = new Map<string, Run[]>();
    // One pass unmeasured, so the passes measured run on warm backends, as every tick after the timer's first.
    await reset(db);
    log(`warming the pool up: one unmeasured pass, ${PARSER_CONNECTIONS - 1} lane(s), signals on…`);
    await parseAll(parser, PARSER_CONNECTIONS - 1, db, dataDir, true);
    // Runs outermost: each run takes every mix in turn, so a slow spell of this shared VM (its speed swings by a
    // third within minutes) falls on every mix alike instead of on one mix's runs (docs/PERFORMANCE.md).
    for (let run = 1; run <= RUNS; run++) {
      for (const mix of MIXES) {
        if (MIXES.length > 1 || run === 1) await setMix(db, mix);
        for (const lanes of LANES) {
          for (const enrich of [false, true]) {
            await reset(db);
            const r = await parseAll(parser, lanes, db, dataDir, enrich);
            const key = `${mix}/${lanes}/${enrich ? 'on' : 'off'}`;
            results.set(key, [...(results.get(key) ?? []), r]);
            log(
              `${mix}, ${lanes} lane(s), signals ${enrich ? 'on' : 'off'}, run ${run}: ${r.rows} rows in ${r.seconds.toFixed(2)} s = ${Math.round(r.rows / r.seconds)} rows/s; backend CPU ${r.cpuSeconds.toFixed(2)} s = ${Math.round(r.rows / r.cpuSeconds)} rows per CPU s; SignalHit ${(r.entries / r.rows).toFixed(1)} index entries, ${(r.buffers / r.rows).toFixed(1)} buffers per hit`,
            );
          }
        }
      }
    }
    const rate = (key: string) => median((results.get(key) ?? []).map((r) => Math.round(r.rows / r.seconds)));
    const cpuRate = (key: string) =>
      median((results.get(key) ?? []).map((r) => Math.round(r.rows / r.cpuSeconds)));
    const perHit = (key: string, what: 'entries' | 'buffers') =>
      median((results.get(key) ?? []).map((r) => r[what] / r.rows)).toFixed(1);
    const pct = (a: number, b: number) => `${Math.round((a / b) * 100)} %`;
    const rows: string[][] = [];
    for (const mix of MIXES) {
      for (const lanes of LANES) {
        for (const signals of ['off', 'on']) {
          const key = `${mix}/${lanes}/${signals}`;
          const notes = [
            `runs: ${(results.get(key) ?? []).map((r) => Math.round(r.rows / r.seconds)).join(', ')}`,
            signals === 'on'
              ? `${perHit(key, 'entries')} SignalHit index entries and ${perHit(key, 'buffers')} buffers read per hit; ${pct(rate(key), rate(`${mix}/${lanes}/off`))} of signals off`
              : '',
            signals === 'on' && mix !== 'spread' && MIXES.includes('spread')
              ? `${pct(rate(key), rate(`spread/${lanes}/on`))} of the spread mix`
              : '',
            lanes !== LANES[0]
              ? `${pct(rate(key), rate(`${mix}/${LANES[0]}/${signals}`))} of ${LANES[0]} lane(s)`
              : '',
          ].filter(Boolean);
          rows.push([
            `${MIX_ADDRESS[mix]?.label}, ${lanes} lane${lanes === 1 ? '' : 's'}, signals ${signals}`,
            `${rate(key)} rows/s, ${cpuRate(key)} rows per CPU s`,
            notes.join('; '),
          ]);
        }
      }
    }
    const [size] = await db.query<{ parsed: string; avg: number }>(
      `SELECT pg_size_pretty(pg_total_relation_size('"PiXL"."Parsed"')) AS parsed,
        (SELECT avg(pg_column_size(p.*))::int FROM "PiXL"."Parsed" p) AS avg`,
    );
    rows.push(['PiXL.Parsed size', String(size?.parsed), `${size?.avg} bytes per row on average`]);
    const method = `\`npm run bench:etl\`, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}, embedded PostgreSQL 18 (settings of src/local/embeddedPostgres.ts, synchronous_commit on). ${HITS} hits with every catalog key (average query string ${Math.round(avgQuery)} bytes, ${DEVICES} distinct devices, ${SPACING_MS} ms apart) landed once through insertHits; ${RUNS} run(s), each taking every traffic mix in turn: the hits' addresses are rewritten for the mix, then passes with the signals off and on each parse all of them from an empty warehouse in batches of ${BATCH} by the ETL's runner (src/etl/lanes.ts runParse: ETL.usp_NumberSignals beside ${LANES.join(' and ')} lane(s) of ETL.usp_ParseNewHits, each call one transaction, all at once on their own connections of one pool kept warm between passes as the timer's is between ticks, after one unmeasured pass; rows/s is the whole pass's wall clock). "Rows per CPU s" counts the CPU time of the whole PostgreSQL server during the pass (every backend, WAL writer, checkpointer, autovacuum: work, less sensitive to the other users of this shared machine than wall clock); index entries and buffers are ETL.SignalHit's statistics counters. Targets (issue): ≥ 10,000 rows/s with signals on for the spread mix; each flood ≥ 80 % of the spread mix; signals on ≥ 80 % of off. Load average ${loadavg()[0]?.toFixed(1)} at the end.`;
    writePerformanceSection('ETL parse', method, rows);
    log('written to docs/PERFORMANCE.md');
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

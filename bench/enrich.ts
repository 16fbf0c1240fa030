/**
 * `npm run bench:enrich` — on the embedded PostgreSQL:
 * 1. ETL.usp_ClassifyIPs over 1 M distinct IPs against every provider's ranges (the real fixture files,
 *    loaded by the refresh code from a local HTTP server);
 * 2. the parse step's rows/s with the behaviour signals on versus off (the procedure's Enrich argument, the
 *    SIGNALS_ENABLED setting), same hits, runs interleaved, medians compared.
 * Results go to docs/PERFORMANCE.md, section "Enrichment".
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { refreshRanges } from '../src/enrich/ranges/refresh.js';
import { SIGNAL_DEFAULTS } from '../src/enrich/signals.js';
import { numberOf, PROCEDURES } from '../src/etl/procedures.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { makeHit } from '../test/support/hits.js';
import { startRangeServer } from '../test/support/rangeServer.js';
import { realisticQueryString, rng } from '../test/support/realisticHits.js';
import { backendCpuMs, median, writePerformanceSection } from './report.js';

const PORT = Number(process.env.BENCH_PG_PORT ?? 54354);
const IPS = Number(process.env.BENCH_IPS ?? 1_000_000);
const HITS = Number(process.env.BENCH_HITS ?? 50_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLASSIFY_RUNS = Number(process.env.BENCH_CLASSIFY_RUNS ?? 3);
const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const BATCH = 10_000;
const CLASSIFY_BATCH = 50_000;
/** The reference's scale: about 6 M hits a day, so ~14 ms apart on average. */
const HIT_SPACING_MS = 86_400_000 / 6_000_000;
const log = (line: string) => console.log(`[bench:enrich] ${line}`);

async function backendPid(db: PostgresWarehouse): Promise<number> {
  const [row] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return Number(row?.pid);
}

/** 1 M distinct addresses: 90% IPv4 over the public space, 10% IPv6 under a few busy /16s (AWS, Azure, …). */
async function seedIps(db: PostgresWarehouse): Promise<number> {
  await db.query(`
    INSERT INTO "PiXL"."IP" ("IPAddress", "FirstSeen", "LastSeen", "HitCount")
    SELECT ip, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', 1
    FROM (
      SELECT DISTINCT CASE WHEN g % 10 = 0
        THEN (ARRAY['2600:1f18', '2a01:111', '2600:1900', '2001:4860', '2406:da00'])[1 + ((h >> 4) & 7) % 5]
          || ':' || to_hex((h >> 8) & 65535) || ':' || to_hex((h >> 24) & 65535) || '::' || to_hex((h >> 40) & 65535)
        ELSE (1 + (h & 255) % 223) || '.' || ((h >> 8) & 255) || '.' || ((h >> 16) & 255) || '.' || ((h >> 24) & 255)
      END AS ip
      FROM (SELECT g, hashint8extended(g, 42) AS h FROM generate_series(1, ${Math.round(IPS * 1.02)}) g) x
      LIMIT ${IPS}
    ) y
    ON CONFLICT ("IPAddress") DO NOTHING`);
  const [n] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM "PiXL"."IP"');
  return Number(n?.n);
}

async function classifyAll(
  db: PostgresWarehouse,
): Promise<{ seconds: number; ips: number; datacenter: number }> {
  const started = performance.now();
  let ips = 0;
  let datacenter = 0;
  for (;;) {
    const row = await db.callProcedure(PROCEDURES.classify, { BatchSize: CLASSIFY_BATCH });
    const n = numberOf(row?.RowsClassified) ?? 0;
    ips += n;
    datacenter += numberOf(row?.DatacenterIPs) ?? 0;
    if (n < CLASSIFY_BATCH) break;
  }
  return { seconds: (performance.now() - started) / 1000, ips, datacenter };
}

/**
 * Hits as the reference's traffic spreads them: ~14 ms apart, each address seen twice on average, addresses
 * random over the public IPv4 space; every catalog key (~4.7 KB query strings).
 */
async function landHits(db: PostgresWarehouse): Promise<number> {
  const r = rng(7);
  const pool = Array.from(
    { length: Math.max(1, Math.floor(HITS / 2)) },
    () =>
      `${1 + Math.floor(r() * 223)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`,
  );
  const base = Date.now() - HITS * HIT_SPACING_MS;
  for (let start = 0; start < HITS; start += 1000) {
    const rows = [];
    for (let i = start; i < Math.min(HITS, start + 1000); i++) {
      const ip = pool[Math.floor(r() * pool.length)] as string;
      const receivedAt = new Date(base + i * HIT_SPACING_MS).toISOString();
      const queryString = realisticQueryString(i, HITS / 20);
      rows.push(toHitRow(makeHit({ queryString, ip, receivedAt, userAgent: BROWSER })));
    }
    await db.insertHits(rows);
  }
  return pool.length;
}

async function resetWarehouse(db: PostgresWarehouse): Promise<void> {
  await db.query(
    'TRUNCATE "PiXL"."Visit", "PiXL"."Parsed", "PiXL"."Device", "PiXL"."IP", "ETL"."SignalHit" RESTART IDENTITY CASCADE',
  );
  await db.query(
    `UPDATE "ETL"."Watermark" SET "LastVersion" = '0', "LastVersionId" = 0, "LastProcessedId" = 0, "RowsProcessed" = 0`,
  );
  await db.query('CHECKPOINT');
}

async function parseAll(parser: PostgresWarehouse, enrich: boolean) {
  // The pool closes idle connections: read the backend serving this run.
  const pid = await backendPid(parser);
  const started = performance.now();
  const cpuStarted = backendCpuMs(pid);
  let rows = 0;
  const args = { BatchSize: BATCH, ...SIGNAL_DEFAULTS, Enrich: enrich };
  for (;;) {
    // One lane of one on one connection: the signals' numbering, then the parse of what it numbered.
    await parser.callProcedure(PROCEDURES.numberSignals, args);
    const row = await parser.callProcedure(PROCEDURES.parse, args);
    const n = numberOf(row?.RowsParsed) ?? 0;
    rows += n;
    if (n < BATCH) break;
  }
  if (rows !== HITS) throw new Error(`parsed ${rows} of ${HITS}`);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (backendCpuMs(pid) - cpuStarted) / 1000;
  return { rate: Math.round(rows / seconds), cpuRate: Math.round(rows / cpuSeconds) };
}

async function main(): Promise<void> {
  const dataDir = join(PROJECT_ROOT, '.data', 'bench-enrich');
  rmSync(dataDir, { recursive: true, force: true });
  log(`starting embedded PostgreSQL on ${PORT} (${dataDir})`);
  const server = await startEmbeddedPostgres({ dataDir, port: PORT, database: 'enrich_bench' });
  const db = new PostgresWarehouse(server.url, 2);
  // One connection for the timed calls, so its backend's CPU time can be read.
  const worker = new PostgresWarehouse(server.url, 1);
  const ranges = await startRangeServer();
  try {
    await migrate(db);
    const reports = await refreshRanges(db, {
      providers: ['aws', 'gcp', 'azure', 'oracle', 'digitalocean', 'linode', 'cloudflare'],
      urls: ranges.urls(),
      schedule: '0 30 3 * * *',
      timeoutMs: 60_000,
      maxBytes: 64 * 1024 * 1024,
      minKeepRatio: 0.5,
    });
    const failed = reports.filter((r) => r.status !== 'loaded');
    if (failed.length) throw new Error(`ranges not loaded: ${failed.map((r) => r.provider).join(', ')}`);
    const [rangeCount] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM "PiXL"."DatacenterRange"',
    );
    log(`${rangeCount?.n} ranges of 7 providers loaded`);

    // 1. Classification of 1 M distinct IPs.
    const ipCount = await seedIps(db);
    await db.query('VACUUM ANALYZE "PiXL"."IP"');
    const classify: { seconds: number; cpuSeconds: number; ips: number; datacenter: number }[] = [];
    for (let run = 1; run <= CLASSIFY_RUNS; run++) {
      await db.query(`UPDATE "PiXL"."IP" SET "ClassifiedAt" = '1900-01-01', "IpBinary" = NULL`);
      await db.query('VACUUM ANALYZE "PiXL"."IP"');
      const pid = await backendPid(worker);
      const cpu = backendCpuMs(pid);
      const result = await classifyAll(worker);
      classify.push({ ...result, cpuSeconds: (backendCpuMs(pid) - cpu) / 1000 });
      log(
        `classify run ${run}: ${result.ips} IPs in ${result.seconds.toFixed(1)} s = ${Math.round(result.ips / result.seconds)} IPs/s, ${result.datacenter} in a datacenter`,
      );
    }

    // 2. Parse with the signals on and off, interleaved so drift on the shared machine hits both alike.
    await resetWarehouse(db);
    log(`landing ${HITS} hits…`);
    const addresses = await landHits(db);
    await db.query('VACUUM ANALYZE "PiXL"."Test"');
    const on: { rate: number; cpuRate: number }[] = [];
    const off: { rate: number; cpuRate: number }[] = [];
    for (let run = 1; run <= RUNS; run++) {
      for (const enrich of [false, true]) {
        await resetWarehouse(db);
        const result = await parseAll(worker, enrich);
        (enrich ? on : off).push(result);
        log(
          `parse run ${run}, signals ${enrich ? 'on' : 'off'}: ${result.rate} rows/s (${result.cpuRate} per CPU s)`,
        );
      }
    }
    const [signals] = await db.query<{ rapid: number; subnet: number; likely: number }>(
      `SELECT count(*) FILTER (WHERE "Srv_RapidFire")::int AS rapid, count(*) FILTER (WHERE "Srv_SubnetAlert")::int AS subnet,
        count(*) FILTER (WHERE "IsLikelyBot")::int AS likely FROM "PiXL"."Parsed"`,
    );

    const ipRates = classify.map((c) => Math.round(c.ips / c.seconds));
    const ipCpuRates = classify.map((c) => Math.round(c.ips / c.cpuSeconds));
    const rate = (xs: { rate: number }[]) => median(xs.map((x) => x.rate));
    const cpuRate = (xs: { cpuRate: number }[]) => median(xs.map((x) => x.cpuRate));
    const cost = (a: number, b: number) => `${Math.round((1 - b / a) * 100)} %`;
    const method = `\`npm run bench:enrich\`, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, node ${process.version}, embedded PostgreSQL 18 (settings of src/local/embeddedPostgres.ts). Ranges: the real files of test/fixtures/ip-ranges for all 7 providers, loaded by the refresh code from a local HTTP server (${rangeCount?.n} stored ranges). Classification: ${ipCount} distinct addresses in PiXL.IP (90% IPv4 spread over 1–223.x.x.x, 10% IPv6 under five provider /32s), classified from scratch by ETL.usp_ClassifyIPs in batches of ${CLASSIFY_BATCH}, ${CLASSIFY_RUNS} run(s). Parse: ${HITS} hits with every catalog key, ~${HIT_SPACING_MS.toFixed(1)} ms apart (the reference's 6 M hits a day) from ${addresses} random IPv4 addresses with a browser User-Agent, parsed from an empty warehouse in batches of ${BATCH} with the signals off and on (ETL.usp_NumberSignals then ETL.usp_ParseNewHits on one connection, their Enrich argument = SIGNALS_ENABLED), ${RUNS} runs of each, interleaved; medians quoted. Shared 2-core machine: compare the per-CPU-second rates first.`;
    writePerformanceSection('Enrichment', method, [
      [
        'Classification of 1 M distinct IPs (wall clock)',
        `${median(ipRates)} IPs/s`,
        `runs: ${ipRates.join(', ')}; ${median(classify.map((c) => c.seconds)).toFixed(1)} s for the set; ${classify[0]?.datacenter} of them in a datacenter range`,
      ],
      [
        'Classification per CPU second of the backend',
        `${median(ipCpuRates)} IPs/s`,
        `runs: ${ipCpuRates.join(', ')}`,
      ],
      [
        'Parse, signals off (wall clock / per CPU s)',
        `${rate(off)} / ${cpuRate(off)} rows/s`,
        `runs: ${off.map((x) => x.rate).join(', ')} / ${off.map((x) => x.cpuRate).join(', ')}`,
      ],
      [
        'Parse, signals on (wall clock / per CPU s)',
        `${rate(on)} / ${cpuRate(on)} rows/s`,
        `runs: ${on.map((x) => x.rate).join(', ')} / ${on.map((x) => x.cpuRate).join(', ')}; last run flagged ${signals?.rapid} rapid fire, ${signals?.subnet} subnet alerts, ${signals?.likely} likely bots (the synthetic botScore is random in 0–4999)`,
      ],
      [
        'Cost of the signals (wall clock / per CPU s)',
        `${cost(rate(off), rate(on))} / ${cost(cpuRate(off), cpuRate(on))}`,
        `target ≤ 25 %; load average ${loadavg()[0]?.toFixed(1)} at the end`,
      ],
    ]);
    log('written to docs/PERFORMANCE.md');
  } finally {
    await ranges.close();
    await worker.close();
    await db.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * `npm run bench:ingest` — the pixel endpoint under load through the local runner, against a bare
 * node:http GIF server in the same run (this machine's ceiling), then the bulk writer alone.
 * Results go to docs/PERFORMANCE.md (section "Ingest").
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { startAzuriteQueue } from '../src/local/azurite.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { readHostJson } from '../src/local/hostJson.js';
import { encodeHitMessage } from '../src/queue/hitMessage.js';
import { count } from '../src/runtime/metrics.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { startTelemetry, useTelemetry } from '../src/runtime/telemetry.js';
import { coalescingWriterOf } from '../src/writer/coalesce.js';
import { writeHitMessage } from '../src/writer/writeHitMessage.js';
import { makeHit } from '../test/support/hits.js';
import { realisticQueryString } from '../test/support/realisticHits.js';
import { selfSignedCert } from '../test/support/selfSignedCert.js';
import { type CpuProfile, summariseProfile } from './cpuProfile.js';
import { openLoop } from './openLoop.js';
import { backendCpuMs, median, postgresServerCpuMs, writePerformanceSection } from './report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// Ports of this benchmark's own servers (override when another run shares the machine); the HTTP servers
// take free ports from the system.
const PG_PORT = Number(process.env.BENCH_PG_PORT ?? 54361);
const AZURITE_PORT = Number(process.env.BENCH_AZURITE_PORT ?? 10031);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const log = (line: string) => console.log(`[bench:ingest] ${line}`);

function startChild(
  mode: 'bare' | 'pixel',
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess & { base: string }> {
  const child = fork(join(PROJECT_ROOT, 'bench/servers.ts'), [mode, String(port)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    // The child reports the port it listens on (0 asks the system for a free one).
    child.once('message', (ready: { port: number }) =>
      resolve(Object.assign(child, { base: `http://127.0.0.1:${ready.port}` })),
    );
    child.once('exit', (code) => reject(new Error(`${mode} server exited (${code})`)));
  });
}

function ask<T>(child: ChildProcess, message: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T));
    child.send(message);
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
}

/** Closed-loop load; `paths` (rotated) make each request a different hit, as real traffic is. */
async function load(
  url: string,
  options: { connections: number; overallRate?: number; seconds?: number; paths?: readonly string[] },
) {
  let n = 0;
  const paths = options.paths;
  const result: Result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds ?? SECONDS,
    overallRate: options.overallRate,
    ...(paths && { requests: [{ setupRequest: (r) => ({ ...r, path: paths[n++ % paths.length] }) }] }),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/** A stand-in for Application Insights' ingestion endpoint on loopback: counts what is posted, accepts all. */
async function startDummyIngestion() {
  const counts = { posts: 0, items: 0, smartpixlItems: 0 };
  // The exporter speaks HTTPS only: a throwaway certificate, trusted by the pixel through NODE_EXTRA_CA_CERTS.
  const tls = selfSignedCert();
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      let items: unknown[] = [];
      try {
        const parsed = JSON.parse(text);
        items = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        items = text.split('\n').filter(Boolean);
      }
      counts.posts++;
      counts.items += items.length;
      counts.smartpixlItems += items.filter((i) => JSON.stringify(i).includes('smartpixl.')).length;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(counts, {
    port: (server.address() as AddressInfo).port,
    cert: tls.cert,
    certPath: tls.certPath,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())).finally(() => tls.remove()),
  });
}

async function main() {
  // The Azure Monitor exporter's usage statistics would go to a Microsoft address: never from a benchmark.
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  const dataDir = join(PROJECT_ROOT, '.data');
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'bench-ingest-pg'),
    port: PG_PORT,
    database: 'postgres',
  });
  rmSync(join(dataDir, 'bench-azurite'), { recursive: true, force: true });
  const azurite = await startAzuriteQueue({ port: AZURITE_PORT, location: join(dataDir, 'bench-azurite') });
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS bench_ingest WITH (FORCE)');
  await admin.query('CREATE DATABASE bench_ingest');
  await admin.end();
  const databaseUrl = postgres.url.replace(/\/postgres$/, '/bench_ingest');
  const db = new PostgresWarehouse(databaseUrl);
  await migrate(db);

  // 256 different realistic hits, rotated: identical ones would compress unrealistically well in a message.
  // The path deployed pixels call (the root; the bench's pixel-alone children run only the `pixel` function).
  const paths = Array.from({ length: 256 }, (_, i) => `/12800/1_SMART.GIF?${realisticQueryString(i + 1)}`);
  const query = realisticQueryString(1);
  const at = (base: string) => (n: number) => `${base}${paths[n % paths.length]}`;
  log(`query string: ${Buffer.byteLength(query)} bytes`);
  const azuriteCpuMs = () => backendCpuMs(azurite.pid ?? 0);
  const pgDataDir = join(dataDir, 'bench-ingest-pg');

  // 1. Ceiling: bare node:http answering the GIF.
  const bare = await startChild('bare', 0);
  const bareCpu = () => ask<{ cpuMicros: number }>(bare, { cpu: true });
  const bareCpuBefore = (await bareCpu()).cpuMicros;
  const bareSteady = await openLoop(at(bare.base), 1000, 15);
  // What node:http alone costs per request on this machine: the floor under the pixel's CPU per hit.
  const bareCpuPerRequest = ((await bareCpu()).cpuMicros - bareCpuBefore) / bareSteady.ok;
  const bareRuns = [];
  for (let r = 0; r < RUNS; r++) bareRuns.push(await load(bare.base, { connections: 128, paths }));
  await stopChild(bare);
  log(`bare GIF server: ${bareRuns.map((r) => Math.round(r.rps)).join(', ')} req/s`);

  type Stats = {
    stats: {
      enqueue: {
        messages: number;
        hits: number;
        failedHits: number;
        sendLatency: { p50: number; p99: number };
      };
    };
  };
  /** One function of the local runner alone (BENCH_ONLY) on its own queue, against this run's Azurite and database. */
  const startOnly = (only: 'pixel' | 'hit-writer', queue: string, env: Record<string, string> = {}) =>
    startChild('pixel', 0, {
      DATABASE_URL: databaseUrl,
      AzureWebJobsStorage: azurite.connectionString,
      PIXEL_QUEUE_NAME: queue,
      BENCH_ONLY: only,
      ...env,
    });
  // 2. The pixel alone (its writer elsewhere, as with a separate writer app): a steady 1,000 hits/s.
  const alone = await startOnly('pixel', 'bench-alone');
  await openLoop(at(alone.base), 500, 2); // warm-up
  const aloneAnswered = (await ask<Stats>(alone, { stats: true })).stats.enqueue.hits;
  const aloneSteady = await openLoop(at(alone.base), 1000, 15);
  const aloneSend = (await ask<Stats>(alone, { stats: true })).stats.enqueue.sendLatency;
  await stopChild(alone);
  log(`pixel alone at 1,000 hits/s: p50 ${aloneSteady.p50} ms, p99 ${aloneSteady.p99} ms`);

  // 2a. The hit-writer alone, as its own process, drains what the pixel queued above (warm-up included):
  // its CPU, Azurite's in serving it (receives, deletes) and the PostgreSQL server's, per landed hit.
  await db.query('TRUNCATE "PiXL"."Test"');
  const queued = aloneAnswered + aloneSteady.ok;
  const writer = await startOnly('hit-writer', 'bench-alone');
  const landedRows = async () =>
    Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM "PiXL"."Test"'))[0]?.n);
  // Measured from the child's readiness: its start-up (module loading) is not per-hit work.
  const writerCpu = () => ask<{ cpuMicros: number }>(writer, { cpu: true });
  const drain0 = {
    rows: await landedRows(),
    writerUs: (await writerCpu()).cpuMicros,
    azuriteMs: azuriteCpuMs(),
    pgMs: postgresServerCpuMs(pgDataDir),
    at: performance.now(),
  };
  let drainedRows = drain0.rows;
  while (drainedRows < queued && performance.now() - drain0.at < 300_000) {
    await sleep(1000);
    drainedRows = await landedRows();
  }
  const drainHits = Math.max(1, drainedRows - drain0.rows);
  const drain = {
    hits: drainHits,
    rowsPerSecond: drainHits / ((performance.now() - drain0.at) / 1000),
    writerUs: ((await writerCpu()).cpuMicros - drain0.writerUs) / drainHits,
    azuriteUs: ((azuriteCpuMs() - drain0.azuriteMs) * 1000) / drainHits,
    pgUs: ((postgresServerCpuMs(pgDataDir) - drain0.pgMs) * 1000) / drainHits,
  };
  await stopChild(writer);
  // The whole-runner phase below compares hits answered with rows landed: start it from an empty table.
  await db.query('TRUNCATE "PiXL"."Test"');
  log(
    `writer alone drained ${drainedRows}/${queued}: writer ${drain.writerUs.toFixed(0)} µs, Azurite ${drain.azuriteUs.toFixed(0)} µs, PostgreSQL ${drain.pgUs.toFixed(0)} µs per hit`,
  );

  // 2b. Telemetry off vs on, the pixel alone: CPU per hit and latency at a steady 1,000 hits/s, then
  // saturation. With it on, metrics go to a dummy ingestion endpoint of this benchmark on loopback.
  const ingestion = await startDummyIngestion();
  const connectionString = `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:${ingestion.port}/`;
  type TelemetryRun = {
    p50: number;
    p99: number;
    cpuPerHitUs: number;
    mainThreadUs: number;
    azuriteUs: number;
    hitsPerSend: number;
    rps: number;
    rssMb: number;
  };
  const telemetryRuns: Record<'off' | 'on', TelemetryRun[]> = { off: [], on: [] };
  for (let r = 0; r < RUNS; r++) {
    for (const mode of ['off', 'on'] as const) {
      const child = await startOnly('pixel', `bench-telemetry-${mode}`, {
        APPLICATIONINSIGHTS_CONNECTION_STRING: mode === 'on' ? connectionString : '',
        NODE_EXTRA_CA_CERTS: ingestion.certPath,
        // The exporter's usage statistics would go to a Microsoft address: not from a benchmark.
        APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      });
      await openLoop(at(child.base), 500, 2); // warm-up
      const usage = () =>
        ask<{ cpuMicros: number; mainThreadMicros: number; rssBytes: number }>(child, { cpu: true });
      const sends = async () => (await ask<Stats>(child, { stats: true })).stats.enqueue;
      const before = await usage();
      const sendsBefore = await sends();
      const azuriteBefore = azuriteCpuMs();
      const run = await openLoop(at(child.base), 1000, SECONDS);
      const azuriteUs = ((azuriteCpuMs() - azuriteBefore) * 1000) / run.ok;
      const sendsAfter = await sends();
      const after = await usage();
      const cpuPerHitUs = after.cpuMicros - before.cpuMicros;
      const saturation = await load(child.base, { connections: 128, paths });
      if (mode === 'on') await ask(child, { flush: true });
      await stopChild(child);
      telemetryRuns[mode].push({
        rssMb: after.rssBytes / 2 ** 20,
        p50: run.p50,
        p99: run.p99,
        cpuPerHitUs: cpuPerHitUs / run.ok,
        mainThreadUs: (after.mainThreadMicros - before.mainThreadMicros) / run.ok,
        azuriteUs,
        hitsPerSend:
          (sendsAfter.hits - sendsBefore.hits) / Math.max(1, sendsAfter.messages - sendsBefore.messages),
        rps: saturation.rps,
      });
      log(
        `telemetry ${mode}: CPU ${(cpuPerHitUs / run.ok).toFixed(0)} µs/hit at 1,000 hits/s (p99 ${run.p99} ms), saturation ${Math.round(saturation.rps)} hits/s`,
      );
    }
  }
  // The recording itself, in this process: what one count() costs with the no-op meter and with the SDK.
  const recordingUs = { off: 0, on: 0 };
  for (const mode of ['off', 'on'] as const) {
    useTelemetry(
      startTelemetry(
        { connectionString: mode === 'on' ? connectionString : undefined },
        { exporterOptions: { tlsOptions: { ca: ingestion.cert } } },
      ),
    );
    for (let i = 0; i < 10_000; i++) count('bench.recorded');
    const before = process.cpuUsage();
    for (let i = 0; i < 1_000_000; i++) count('bench.recorded');
    const used = process.cpuUsage(before);
    recordingUs[mode] = (used.user + used.system) / 1_000_000;
    await useTelemetry(undefined)?.shutdown();
  }
  log(`one count(): ${recordingUs.off.toFixed(3)} µs off, ${recordingUs.on.toFixed(3)} µs on`);

  // 2c. Where the pixel's CPU goes: a V8 profile of its main thread at a steady 1,000 hits/s (telemetry off),
  // each sample charged to the part of the code that caused it (bench/cpuProfile.ts).
  const profiled = await startOnly('pixel', 'bench-profile');
  await openLoop(at(profiled.base), 500, 2); // warm-up
  await ask(profiled, { profile: 'start' });
  const profiledUsage = () => ask<{ cpuMicros: number; mainThreadMicros: number }>(profiled, { cpu: true });
  const profiledBefore = await profiledUsage();
  const profiledRun = await openLoop(at(profiled.base), 1000, SECONDS);
  const profiledAfter = await profiledUsage();
  const { profile } = await ask<{ profile: CpuProfile }>(profiled, { profile: 'stop' });
  await stopChild(profiled);
  const parts = summariseProfile(profile);
  const sampledMs = [...parts.values()].reduce((a, b) => a + b, 0);
  const profiledCpuUs = (profiledAfter.cpuMicros - profiledBefore.cpuMicros) / profiledRun.ok;
  const profiledMainUs = (profiledAfter.mainThreadMicros - profiledBefore.mainThreadMicros) / profiledRun.ok;
  await ingestion.close();
  log(
    `ingestion endpoint: ${ingestion.posts} posts, ${ingestion.items} items, ${ingestion.smartpixlItems} smartpixl.* metrics`,
  );

  // 3. The whole local runner (pixel, hit-writer, timers): a steady 1,000 hits/s, then saturation.
  const pixel = await startChild('pixel', 0, {
    DATABASE_URL: databaseUrl,
    AzureWebJobsStorage: azurite.connectionString,
    PIXEL_QUEUE_NAME: 'bench-hits',
  });
  const enqueueStats = async () => (await ask<Stats>(pixel, { stats: true })).stats.enqueue;
  await openLoop(at(pixel.base), 500, 2); // warm-up
  const steady = await openLoop(at(pixel.base), 1000, 15);
  log(`pixel at a steady 1,000 hits/s: p50 ${steady.p50} ms, p99 ${steady.p99} ms`);
  const beforeSaturation = await enqueueStats();
  const steadySend = beforeSaturation.sendLatency;
  const pixelRuns = [];
  for (let r = 0; r < RUNS; r++) pixelRuns.push(await load(pixel.base, { connections: 128, paths }));
  const afterSaturation = await enqueueStats();
  const hitsPerMessage =
    (afterSaturation.hits - beforeSaturation.hits) /
    Math.max(1, afterSaturation.messages - beforeSaturation.messages);
  log(
    `pixel saturation: ${pixelRuns.map((r) => Math.round(r.rps)).join(', ')} hits/s, ${hitsPerMessage.toFixed(1)} hits/message`,
  );

  const answered = pixelRuns.reduce((n, r) => n + r.ok, steady.ok);
  const drainStart = Date.now();
  let landed = 0;
  while (Date.now() - drainStart < 300_000) {
    landed = Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM "PiXL"."Test"'))[0]?.n);
    if (landed >= answered) break;
    await sleep(500);
  }
  const totals = await enqueueStats();
  await stopChild(pixel);
  const drainedIn = ((Date.now() - drainStart) / 1000).toFixed(1);
  log(`answered ${answered}, landed ${landed} rows (the writer caught up ${drainedIn} s after the load)`);

  // 4. The bulk writer alone: production-shaped messages (40 hits), as many at a time as the queue trigger
  // runs them (host.json batchSize + newBatchThreshold), through the process's coalescing writer.
  await db.query('TRUNCATE "PiXL"."Test"');
  const messages: string[] = [];
  for (let m = 0; m < 1000; m++) {
    const hits = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify(makeHit({ queryString: realisticQueryString(m * 40 + i) })),
    );
    messages.push(Buffer.from(await encodeHitMessage(hits), 'base64').toString('utf8'));
  }
  const { batchSize, newBatchThreshold } = readHostJson().queues;
  const concurrentMessages = batchSize + newBatchThreshold;
  const coalescing = coalescingWriterOf(db);
  const writerRuns: number[] = [];
  // Node's side of the writer (decode, rows, driver), and the PostgreSQL server's (every process of it).
  const writerCpuPerHit: number[] = [];
  const postgresCpuPerHit: number[] = [];
  const statsBefore = { ...coalescing.stats };
  for (let r = 0; r < RUNS; r++) {
    await db.query('TRUNCATE "PiXL"."Test"');
    await db.query('CHECKPOINT');
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const pgBefore = postgresServerCpuMs(pgDataDir);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrentMessages }, async () => {
        while (next < messages.length) await writeHitMessage(messages[next++], db, async () => {});
      }),
    );
    writerRuns.push((messages.length * 40) / ((performance.now() - started) / 1000));
    const cpu = process.cpuUsage(cpuBefore);
    writerCpuPerHit.push((cpu.user + cpu.system) / (messages.length * 40));
    postgresCpuPerHit.push(((postgresServerCpuMs(pgDataDir) - pgBefore) * 1000) / (messages.length * 40));
  }
  const messagesPerWrite =
    (coalescing.stats.messages - statsBefore.messages) /
    Math.max(1, coalescing.stats.writes - statsBefore.writes);
  log(`bulk writer: ${writerRuns.map((r) => Math.round(r)).join(', ')} rows/s`);
  await db.close();
  await azurite.stop();
  await postgres.stop();

  const bareMedian = median(bareRuns.map((r) => r.rps));
  const pixelMedian = median(pixelRuns.map((r) => r.rps));
  const rows = [
    [
      'Bare node:http GIF server (ceiling)',
      `${Math.round(bareMedian)} req/s`,
      `runs: ${bareRuns.map((r) => Math.round(r.rps)).join(', ')}`,
    ],
    [
      'Pixel via local runner, saturation (128 connections)',
      `${Math.round(pixelMedian)} hits/s`,
      `runs: ${pixelRuns.map((r) => Math.round(r.rps)).join(', ')}; p50 ${median(pixelRuns.map((r) => r.p50))} ms, p99 ${median(pixelRuns.map((r) => r.p99))} ms`,
    ],
    ['Pixel / bare ratio at saturation', `${((pixelMedian / bareMedian) * 100).toFixed(0)} %`, ''],
    [
      'Pixel at a steady 1,000 hits/s (open loop), whole local runner',
      `p99 ${steady.p99} ms`,
      `p50 ${steady.p50} ms, max ${steady.max} ms, ${steady.errors} errors; queue send p50 ${steadySend.p50} ms, p99 ${steadySend.p99} ms`,
    ],
    [
      'Pixel at a steady 1,000 hits/s (open loop), writer not running',
      `p99 ${aloneSteady.p99} ms`,
      `p50 ${aloneSteady.p50} ms, max ${aloneSteady.max} ms, ${aloneSteady.errors} errors; queue send p50 ${aloneSend.p50} ms, p99 ${aloneSend.p99} ms`,
    ],
    [
      'Bare server at a steady 1,000 req/s (open loop)',
      `p99 ${bareSteady.p99} ms`,
      `p50 ${bareSteady.p50} ms: the floor of this generator and VM`,
    ],
    [
      'Hits per queue message at saturation',
      hitsPerMessage.toFixed(1),
      `${totals.messages} messages in the whole run, ${totals.failedHits} failed hits`,
    ],
    [
      'Hits answered vs rows landed',
      `${answered} / ${landed}`,
      `the writer caught up ${drainedIn} s after the load ended`,
    ],
    [
      'Bare node:http GIF server at a steady 1,000 req/s: CPU per request',
      `${bareCpuPerRequest.toFixed(0)} µs`,
      'the floor under the pixel’s CPU per hit on this machine: HTTP parsing and socket writes of the same requests, nothing else',
    ],
    ...(['off', 'on'] as const).map((mode) => [
      `Pixel alone at a steady 1,000 hits/s, telemetry ${mode}: CPU per hit`,
      `${median(telemetryRuns[mode].map((t) => t.cpuPerHitUs)).toFixed(0)} µs`,
      `runs: ${telemetryRuns[mode].map((t) => t.cpuPerHitUs.toFixed(0)).join(', ')} µs (main thread ${median(telemetryRuns[mode].map((t) => t.mainThreadUs)).toFixed(0)} µs, the rest V8's GC helpers and libuv's pool: compression); p50 ${median(telemetryRuns[mode].map((t) => t.p50))} ms, p99 ${median(telemetryRuns[mode].map((t) => t.p99))} ms; saturation ${Math.round(median(telemetryRuns[mode].map((t) => t.rps)))} hits/s`,
    ]),
    [
      'Recording one metric on the hot path (count), telemetry off / on',
      `${recordingUs.off.toFixed(3)} / ${recordingUs.on.toFixed(3)} µs`,
      'CPU per call over 1,000,000 calls in one process: the no-op meter vs the OpenTelemetry SDK (aggregation in memory; the export runs once a minute)',
    ],
    [
      'Pixel process memory (RSS) after the steady phase, telemetry on',
      `${Math.round(median(telemetryRuns.on.map((t) => t.rssMb)))} MB`,
      `off: ${Math.round(median(telemetryRuns.off.map((t) => t.rssMb)))} MB; the local runner's HTTP side, queue client and batcher`,
    ],
    [
      'Telemetry export during those runs',
      `${ingestion.smartpixlItems} metric items`,
      `${ingestion.posts} posts to the benchmark's own ingestion endpoint on loopback (${ingestion.items} items in all)`,
    ],
    [
      'Hits per queue transaction (message sent) at a steady 1,000 hits/s',
      median(telemetryRuns.off.map((t) => t.hitsPerSend)).toFixed(1),
      `runs: ${telemetryRuns.off.map((t) => t.hitsPerSend.toFixed(1)).join(', ')}; ENQUEUE_WINDOW_MS ${process.env.ENQUEUE_WINDOW_MS ?? 'default'}`,
    ],
    [
      'Azurite CPU per hit, taking the pixel’s sends',
      `${median(telemetryRuns.off.map((t) => t.azuriteUs)).toFixed(0)} µs`,
      `runs: ${telemetryRuns.off.map((t) => t.azuriteUs.toFixed(0)).join(', ')} µs; the emulator's process (/proc, 10 ms ticks), telemetry off runs`,
    ],
    [
      'Hit-writer process CPU per hit, draining the pixel’s queue',
      `${drain.writerUs.toFixed(0)} µs`,
      `${drain.hits} hits in messages of ~${median(telemetryRuns.off.map((t) => t.hitsPerSend)).toFixed(0)} as the pixel sent them, at ${Math.round(drain.rowsPerSecond)} rows/s; the local runner with only hit-writer, from its readiness on`,
    ],
    [
      'Azurite CPU per hit, serving the writer',
      `${drain.azuriteUs.toFixed(0)} µs`,
      'receives and deletes during that drain',
    ],
    [
      'PostgreSQL server CPU per hit',
      `${drain.pgUs.toFixed(0)} µs`,
      'every backend and helper process of the server during that drain (plus the benchmark’s row counts, once a second)',
    ],
    [
      'Hit-writer CPU per hit (Node side)',
      `${median(writerCpuPerHit).toFixed(0)} µs`,
      `runs: ${writerCpuPerHit.map((c) => c.toFixed(0)).join(', ')} µs; decode, rows, driver, in the 40-hit message runs below`,
    ],
    [
      'PostgreSQL CPU per hit written (every server process)',
      `${median(postgresCpuPerHit).toFixed(0)} µs`,
      `runs: ${postgresCpuPerHit.map((c) => c.toFixed(0)).join(', ')} µs; COPY, jsonb input, indexes, WAL, commits`,
    ],
    [
      `Bulk writer into PostgreSQL (40-hit messages × ${concurrentMessages} concurrent)`,
      `${Math.round(median(writerRuns))} rows/s`,
      `runs: ${writerRuns.map((r) => Math.round(r)).join(', ')}; ${messagesPerWrite.toFixed(1)} messages per write (one COPY and one commit each); target 10,000`,
    ],
  ];
  writePerformanceSection(
    'Ingest',
    `\`npm run bench:ingest\`, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}. ` +
      `autocannon in the benchmark process; the server (bench/servers.ts) in a child process: the local runner with Azurite's queue and the embedded PostgreSQL on the same 2 cores, so the hit-writer competes with the pixel for CPU and for Azurite (one Node process), and the load generator takes a core of its own. ` +
      `Query string ${Buffer.byteLength(query)} bytes with every catalog key (test/support/realisticHits.ts). ${RUNS} runs of ${SECONDS} s each, medians quoted.`,
    rows,
  );
  console.table(rows.map(([what, value, note]) => ({ what, value, note })));

  // A sample's time delta is wall clock (a thread the machine preempts looks slower), so each part is
  // given its share of the samples times the main thread's measured CPU per hit.
  const partRows = [...parts].map(([part, ms]) => [
    `Pixel main thread: ${part}`,
    `${((ms / sampledMs) * profiledMainUs).toFixed(0)} µs`,
    `${((ms / sampledMs) * 100).toFixed(0)} % of the main thread's samples`,
  ]);
  writePerformanceSection(
    'Ingest: where the CPU goes',
    `\`npm run bench:ingest\`, same run. CPU time of each process, per hit, from its own process (the pixel and the writer report process.cpuUsage() over IPC; Azurite's and PostgreSQL's from /proc). ` +
      `The pixel's main thread was profiled (V8 sampling profiler, bench/cpuProfile.ts) at a steady 1,000 hits/s with telemetry off: ${profiledCpuUs.toFixed(0)} µs per hit in that run, ${profiledMainUs.toFixed(0)} µs of it on the main thread (the profiler's own overhead included); each sample is charged to the part of the code that caused it, and each part is given its share of the samples times the main thread's CPU per hit. The rest of the process's CPU is its other threads: V8's garbage-collection helpers and libuv's pool. ` +
      `The floor is the bare node:http server above (${bareCpuPerRequest.toFixed(0)} µs per request). The target for the pixel is ≤ 100 µs per hit.`,
    [
      [
        'Pixel process',
        `${median(telemetryRuns.off.map((t) => t.cpuPerHitUs)).toFixed(0)} µs`,
        `telemetry off, median of ${RUNS}; with telemetry on ${median(telemetryRuns.on.map((t) => t.cpuPerHitUs)).toFixed(0)} µs`,
      ],
      ['Bare node:http GIF server (floor)', `${bareCpuPerRequest.toFixed(0)} µs`, 'per request'],
      [
        'Azurite, taking sends / serving the writer',
        `${median(telemetryRuns.off.map((t) => t.azuriteUs)).toFixed(0)} / ${drain.azuriteUs.toFixed(0)} µs`,
        `${median(telemetryRuns.off.map((t) => t.hitsPerSend)).toFixed(1)} hits per queue transaction`,
      ],
      ['Hit-writer process', `${drain.writerUs.toFixed(0)} µs`, 'draining the pixel’s messages'],
      ['PostgreSQL server', `${drain.pgUs.toFixed(0)} µs`, 'same drain'],
      ...partRows,
    ],
  );
}

await main();
process.exit(0);

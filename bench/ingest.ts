/**
 * `npm run bench:ingest` — the pixel endpoint under load through the local runner, against a bare
 * node:http GIF server in the same run (this machine's ceiling), then the bulk writer alone.
 * Results go to docs/PERFORMANCE.md (section "Ingest").
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Result } from 'autocannon';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { startAzuriteQueue } from '../src/local/azurite.js';
import { startEmbeddedPostgres } from '../src/local/embeddedPostgres.js';
import { encodeHitMessage } from '../src/queue/hitMessage.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { writeHitMessage } from '../src/writer/writeHitMessage.js';
import { makeHit } from '../test/support/hits.js';
import { realisticQueryString } from '../test/support/realisticHits.js';
import { openLoop } from './openLoop.js';
import { median, writePerformanceSection } from './report.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const log = (line: string) => console.log(`[bench:ingest] ${line}`);

function startChild(
  mode: 'bare' | 'pixel',
  port: number,
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = fork(join(PROJECT_ROOT, 'bench/servers.ts'), [mode, String(port)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
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

async function load(url: string, options: { connections: number; overallRate?: number; seconds?: number }) {
  const result: Result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds ?? SECONDS,
    overallRate: options.overallRate,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

async function main() {
  const dataDir = join(PROJECT_ROOT, '.data');
  log(
    `machine: ${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'bench-ingest-pg'),
    port: 54361,
    database: 'postgres',
  });
  rmSync(join(dataDir, 'bench-azurite'), { recursive: true, force: true });
  const azurite = await startAzuriteQueue({ port: 10031, location: join(dataDir, 'bench-azurite') });
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS bench_ingest WITH (FORCE)');
  await admin.query('CREATE DATABASE bench_ingest');
  await admin.end();
  const databaseUrl = postgres.url.replace(/\/postgres$/, '/bench_ingest');
  const db = new PostgresWarehouse(databaseUrl);
  await migrate(db);

  const query = realisticQueryString(1);
  const path = `/api/12800/1_SMART.GIF?${query}`;
  log(`query string: ${Buffer.byteLength(query)} bytes`);

  // 1. Ceiling: bare node:http answering the GIF.
  const bare = await startChild('bare', 7081);
  const bareSteady = await openLoop(`http://127.0.0.1:7081${path}`, 1000, 15);
  const bareRuns = [];
  for (let r = 0; r < RUNS; r++)
    bareRuns.push(await load(`http://127.0.0.1:7081${path}`, { connections: 128 }));
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
  // 2. The pixel alone (its writer elsewhere, as with a separate writer app): a steady 1,000 hits/s.
  const alone = await startChild('pixel', 7083, {
    DATABASE_URL: databaseUrl,
    AzureWebJobsStorage: azurite.connectionString,
    PIXEL_QUEUE_NAME: 'bench-alone',
    BENCH_ONLY: 'pixel',
  });
  await openLoop(`http://127.0.0.1:7083${path}`, 500, 2); // warm-up
  const aloneSteady = await openLoop(`http://127.0.0.1:7083${path}`, 1000, 15);
  const aloneSend = (await ask<Stats>(alone, { stats: true })).stats.enqueue.sendLatency;
  await stopChild(alone);
  log(`pixel alone at 1,000 hits/s: p50 ${aloneSteady.p50} ms, p99 ${aloneSteady.p99} ms`);

  // 3. The whole local runner (pixel, hit-writer, timers): a steady 1,000 hits/s, then saturation.
  const pixel = await startChild('pixel', 7082, {
    DATABASE_URL: databaseUrl,
    AzureWebJobsStorage: azurite.connectionString,
    PIXEL_QUEUE_NAME: 'bench-hits',
  });
  const enqueueStats = async () => (await ask<Stats>(pixel, { stats: true })).stats.enqueue;
  await openLoop(`http://127.0.0.1:7082${path}`, 500, 2); // warm-up
  const steady = await openLoop(`http://127.0.0.1:7082${path}`, 1000, 15);
  log(`pixel at a steady 1,000 hits/s: p50 ${steady.p50} ms, p99 ${steady.p99} ms`);
  const beforeSaturation = await enqueueStats();
  const steadySend = beforeSaturation.sendLatency;
  const pixelRuns = [];
  for (let r = 0; r < RUNS; r++)
    pixelRuns.push(await load(`http://127.0.0.1:7082${path}`, { connections: 128 }));
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

  // 4. The bulk writer alone: production-shaped messages (40 hits), 8 at a time as the queue trigger runs them.
  await db.query('TRUNCATE "PiXL"."Test"');
  const messages: string[] = [];
  for (let m = 0; m < 1000; m++) {
    const hits = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify(makeHit({ queryString: realisticQueryString(m * 40 + i) })),
    );
    messages.push(Buffer.from(await encodeHitMessage(hits), 'base64').toString('utf8'));
  }
  const writerRuns: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    await db.query('TRUNCATE "PiXL"."Test"');
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < messages.length) await writeHitMessage(messages[next++], db, async () => {});
      }),
    );
    writerRuns.push((messages.length * 40) / ((performance.now() - started) / 1000));
  }
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
      'Bulk writer into PostgreSQL (40-hit messages × 8 concurrent)',
      `${Math.round(median(writerRuns))} rows/s`,
      `runs: ${writerRuns.map((r) => Math.round(r)).join(', ')}`,
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
}

await main();
process.exit(0);

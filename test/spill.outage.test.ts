/**
 * The durable spill against a real queue outage: an Azurite of this file's own is frozen (SIGSTOP), or made
 * unreachable (its port closed: test/support/tcpGate.ts), for 30 s while hits arrive; the pixel process is
 * killed mid-outage and restarted; a second Azurite plays the secondary storage account. Every answered hit
 * must land exactly once.
 *
 * Unreachable rather than stopped: Azurite 3.35's graceful stop saves its state before in-flight requests
 * finish (QueueServer.close does not await the HTTP server's stop), so it acknowledges messages it then
 * forgets on restart; this test found that. A storage account does not forget acknowledged messages.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config.js';
import { type AzuriteQueue, startAzuriteQueue } from '../src/local/azurite.js';
import { type LocalHost, startLocalHost } from '../src/local/host.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { startTcpGate, type TcpGate } from './support/tcpGate.js';

const postgres = enginesUnderTest().find((e) => e.name === 'postgres') as NonNullable<
  ReturnType<typeof enginesUnderTest>[number]
>;
const PRIMARY_PORT = Number(process.env.TEST_SPILL_AZURITE_PORT ?? 10021);
const SECONDARY_PORT = PRIMARY_PORT + 1;
/** Where pixel and writer reach the primary queue service (test/support/tcpGate.ts). */
const GATE_PORT = PRIMARY_PORT + 2;
const OUTAGE_MS = 30_000;

interface Pixel {
  url: string;
  child: ChildProcess;
  counters(): Promise<Record<string, number>>;
}

/** Every pixel process started, so a failed test leaves none running. */
const children = new Set<ChildProcess>();

function startPixel(env: Record<string, string>): Promise<Pixel> {
  const child = fork(join(PROJECT_ROOT, 'test/support/pixelProcess.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once('message', (m) =>
      resolve({
        url: (m as { url: string }).url,
        child,
        counters: () =>
          new Promise((answer) => {
            child.once('message', (r) => answer((r as { counters: Record<string, number> }).counters));
            child.send('counters');
          }),
      }),
    );
    child.once('exit', (code) => reject(new Error(`pixel process exited (${code})`)));
  });
}

async function stopPixel(pixel: Pixel, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (pixel.child.exitCode !== null || pixel.child.signalCode !== null) return;
  const exited = new Promise((resolve) => pixel.child.once('exit', resolve));
  pixel.child.kill(signal);
  await exited;
}

/** Sends ~50 hits/s, each with its own `n`, to whichever pixel process `target()` names; records answers. */
function load(target: () => string | undefined, tag: string) {
  const answered = new Set<number>();
  const sent = new Set<number>();
  const pending = new Set<Promise<void>>();
  let n = 0;
  const timer = setInterval(() => {
    const url = target();
    if (!url) return;
    const i = n++;
    sent.add(i);
    const request = fetch(`${url}/12800/1_SMART.GIF?t=${tag}&n=${i}&sw=1920`, {
      signal: AbortSignal.timeout(15_000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status === 200) answered.add(i);
      })
      .catch(() => undefined)
      .finally(() => pending.delete(request));
    pending.add(request);
  }, 20);
  return {
    answered,
    sent,
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}

describe('durable spill during a queue outage', () => {
  let t: TestDatabase;
  let writer: LocalHost;
  let primary: AzuriteQueue;
  let secondary: AzuriteQueue;
  let gate: TcpGate;
  let primaryConnection: string;
  const primaryDir = join(PROJECT_ROOT, '.data', `test-spill-azurite-${PRIMARY_PORT}`);
  const secondaryDir = join(PROJECT_ROOT, '.data', `test-spill-azurite-${SECONDARY_PORT}`);
  const queueName = `spill-${randomBytes(4).toString('hex')}`;
  const spillRoot = mkdtempSync(join(tmpdir(), 'smartpixl-spill-test-'));

  beforeAll(async () => {
    rmSync(primaryDir, { recursive: true, force: true });
    rmSync(secondaryDir, { recursive: true, force: true });
    [primary, secondary] = await Promise.all([
      startAzuriteQueue({ port: PRIMARY_PORT, location: primaryDir }),
      startAzuriteQueue({ port: SECONDARY_PORT, location: secondaryDir }),
    ]);
    gate = await startTcpGate(GATE_PORT, PRIMARY_PORT);
    primaryConnection = primary.connectionString.replace(`:${PRIMARY_PORT}/`, `:${GATE_PORT}/`);
    t = await postgres.create();
    // The writer reads both storage accounts, as hit-writer and hit-writer-secondary do in Azure.
    writer = await startLocalHost(
      parseSettings({
        DATABASE_URL: t.connectionString,
        AzureWebJobsStorage: primaryConnection,
        SECONDARY_QUEUE_STORAGE: secondary.connectionString,
        PIXEL_QUEUE_NAME: queueName,
        SPILL_DIR: join(spillRoot, 'writer'),
      }),
      {
        port: 0,
        timers: false,
        only: ['hit-writer', 'hit-writer-secondary'],
        // A receive whose answer the outage cut off hides its messages for this long (the queue's
        // at-least-once contract, 5 minutes by default), then they land; the writer is idempotent.
        queues: { visibilityTimeoutMs: 0, maxPollingIntervalMs: 200, inFlightVisibilitySeconds: 15 },
      },
    );
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await writer?.stop();
    await t?.drop();
    await gate?.close();
    await primary?.stop();
    await secondary?.stop();
    rmSync(primaryDir, { recursive: true, force: true });
    rmSync(secondaryDir, { recursive: true, force: true });
    rmSync(spillRoot, { recursive: true, force: true });
  });

  const pixelEnv = (spillDir: string, withSecondary = false): Record<string, string> => ({
    DATABASE_URL: t.connectionString,
    AzureWebJobsStorage: primaryConnection,
    ...(withSecondary && { SECONDARY_QUEUE_STORAGE: secondary.connectionString }),
    PIXEL_QUEUE_NAME: queueName,
    SPILL_DIR: spillDir,
    SPILL_RETRY_INTERVAL_MS: '500',
    ENQUEUE_RETRY_BUDGET_MS: '1000',
    // The guarantees do not depend on the group-commit window; a short one keeps the requests in flight at
    // the kill (rate × wait) few enough for the bound of the kill test below.
    ENQUEUE_WINDOW_MS: '2',
  });

  /** Rows of PiXL.Test per `n` of the given run. */
  async function landed(tag: string): Promise<Map<number, number>> {
    const rows = await t.db.query<{ n: string; c: number }>(
      `SELECT "ParamsJson"->>'n' AS n, COUNT(*) AS c FROM "PiXL"."Test" WHERE "ParamsJson"->>'t' = $1 GROUP BY 1`,
      [tag],
    );
    return new Map(rows.map((r) => [Number(r.n), Number(r.c)]));
  }

  async function expectExactlyOnce(tag: string, answered: Set<number>, sent: Set<number>) {
    let rows = new Map<number, number>();
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      rows = await landed(tag);
      if ([...answered].every((n) => rows.has(n))) break;
      await sleep(250);
    }
    expect([...answered].filter((n) => !rows.has(n))).toEqual([]);
    // Exactly once; a request that was never answered (killed in flight) may have landed, never twice.
    expect([...rows].filter(([, c]) => c !== 1)).toEqual([]);
    expect([...rows.keys()].every((n) => sent.has(n))).toBe(true);
  }

  const spillFiles = (dir: string) => readdirSync(dir).filter((f) => !f.endsWith('.corrupt'));

  it('spills while the queue is frozen for 30 s, re-sends when it answers, and lands every answered hit once', async () => {
    const dir = join(spillRoot, 'frozen');
    const pixel = await startPixel(pixelEnv(dir));
    const traffic = load(() => pixel.url, 'frozen');
    await sleep(2000);
    process.kill(primary.pid as number, 'SIGSTOP');
    await sleep(OUTAGE_MS);
    const during = await pixel.counters();
    process.kill(primary.pid as number, 'SIGCONT');
    await sleep(2000);
    await traffic.stop();
    expect(during['spill.spilledHits']).toBeGreaterThan(OUTAGE_MS / 100);
    // Every request was answered: the spill takes what the queue does not.
    expect(traffic.answered.size).toBe(traffic.sent.size);
    await expectExactlyOnce('frozen', traffic.answered, traffic.sent);
    // A hit whose send the freeze cut off may have reached the queue and landed before its spilled copy
    // was re-sent: wait for the spill to empty.
    let after = await pixel.counters();
    for (let i = 0; i < 60 && after['spill.replayedHits'] !== after['spill.spilledHits']; i++) {
      await sleep(500);
      after = await pixel.counters();
    }
    await stopPixel(pixel);
    expect(after['spill.replayedHits']).toBe(after['spill.spilledHits']);
    expect(after['enqueue.failedHits'] ?? 0).toBe(0);
    expect(spillFiles(dir)).toEqual([]);
  }, 180_000);

  it('survives the queue unreachable for 30 s and the pixel process killed mid-outage; health shows the spill', async () => {
    const dir = join(spillRoot, 'stopped');
    let pixel: Pixel | undefined = await startPixel(pixelEnv(dir));
    const traffic = load(() => pixel?.url, 'stopped');
    await sleep(2000);
    await gate.close();
    await sleep(OUTAGE_MS / 2);
    const health = (await (await fetch(`${pixel.url}/api/health`)).json()) as {
      status: string;
      spill: { files: number; bytes: number };
    };
    expect(health.spill.files).toBeGreaterThan(0);
    expect(health.status).not.toBe('ok');
    // Killed without warning: what it spilled is on disk, in files of a process that is gone.
    const killed = pixel;
    pixel = undefined; // no request is sent from here until the restart
    const inFlightAtKill = traffic.sent.size - traffic.answered.size;
    await stopPixel(killed, 'SIGKILL');
    expect(spillFiles(dir).length).toBeGreaterThan(0);
    pixel = await startPixel(pixelEnv(dir));
    await sleep(OUTAGE_MS / 2);
    await gate.open();
    await sleep(2000);
    await traffic.stop();
    await expectExactlyOnce('stopped', traffic.answered, traffic.sent);
    // Only requests in flight at the kill may have gone unanswered (how many depends on the machine's speed).
    expect(traffic.sent.size - traffic.answered.size).toBeLessThanOrEqual(inFlightAtKill);
    const after = await pixel.counters();
    expect(after['spill.replayedHits']).toBeGreaterThan(0);
    await stopPixel(pixel);
    expect(spillFiles(dir)).toEqual([]);
  }, 180_000);

  it('sends to the secondary storage account while the primary is down, and the writer reads both', async () => {
    const dir = join(spillRoot, 'secondary');
    const pixel = await startPixel(pixelEnv(dir, true));
    const traffic = load(() => pixel.url, 'secondary');
    await sleep(1000);
    await gate.close();
    await sleep(5000);
    await gate.open();
    await sleep(2000);
    await traffic.stop();
    await expectExactlyOnce('secondary', traffic.answered, traffic.sent);
    expect(traffic.answered.size).toBe(traffic.sent.size);
    const counters = await pixel.counters();
    expect(counters['enqueue.secondaryHits']).toBeGreaterThan(0);
    expect(counters['spill.spilledHits'] ?? 0).toBe(0);
    await stopPixel(pixel);
  }, 180_000);
});

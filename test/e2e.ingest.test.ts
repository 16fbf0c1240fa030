/**
 * End to end through the local runner: real HTTP, real Azurite queue, real PostgreSQL, the same function
 * definitions the Functions host loads.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSettings } from '../src/config.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { type LocalHost, startLocalHost } from '../src/local/host.js';
import { encodeHitMessage } from '../src/queue/hitMessage.js';
import { poisonQueueName, queueClient } from '../src/queue/hitQueue.js';
import { writeHitMessage } from '../src/writer/writeHitMessage.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';

const postgres = enginesUnderTest().find((e) => e.name === 'postgres');

async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(100);
  }
}

describe('ingest end to end', () => {
  let t: TestDatabase;
  let host: LocalHost;
  const queueName = `hits-${randomBytes(4).toString('hex')}`;
  const connection = inject('azuriteConnectionString');

  beforeAll(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create();
    const settings = parseSettings({
      DATABASE_URL: t.connectionString,
      AzureWebJobsStorage: connection,
      PIXEL_QUEUE_NAME: queueName,
      // The test sends X-Forwarded-For as a proxy would; the last entry is what "our" proxy saw.
      CLIENT_IP_SOURCES: 'x-forwarded-for',
      TRUSTED_PROXY_HOPS: '1',
      // A wider window than the default keeps batching visible however slowly a loaded machine lets the
      // 500 requests arrive.
      ENQUEUE_WINDOW_MS: '50',
      SPILL_DIR: mkdtempSync(join(tmpdir(), 'smartpixl-e2e-spill-')),
    });
    host = await startLocalHost(settings, {
      port: 0,
      timers: false,
      queues: { visibilityTimeoutMs: 0, maxPollingIntervalMs: 200 },
    });
  });
  afterAll(async () => {
    await host?.stop();
    await t?.drop();
  });

  const rows = () =>
    t.db.query<{
      CompanyID: string;
      PiXLID: string;
      IPAddress: string;
      ParamsJson: Record<string, string>;
      ClientParamsJson: Record<string, string>;
    }>('SELECT "CompanyID", "PiXLID", "IPAddress", "ParamsJson", "ClientParamsJson" FROM "PiXL"."Test"');

  it('lands 500 concurrent pixel requests as exactly 500 rows with their ids, IPs and parameters', async () => {
    const requests = Array.from({ length: 500 }, (_, i) => {
      const ip = `198.51.${Math.floor(i / 250)}.${i % 250}`;
      return fetch(`${host.url}/c${i % 7}/p${i % 3}_SMART.GIF?n=${i}&sw=1920&_cp_email=u${i}%40example.com`, {
        headers: { 'X-Forwarded-For': `6.6.6.6, ${ip}`, 'User-Agent': `agent-${i}` },
      }).then(async (res) => ({
        status: res.status,
        type: res.headers.get('content-type'),
        size: (await res.arrayBuffer()).byteLength,
      }));
    });
    const answers = await Promise.all(requests);
    expect(answers.every((a) => a.status === 200 && a.type === 'image/gif' && a.size === 42)).toBe(true);

    const landed = await waitFor(rows, (r) => r.length >= 500);
    expect(landed).toHaveLength(500);
    const byN = new Map(landed.map((r) => [Number(r.ParamsJson.n), r]));
    expect(byN.size).toBe(500);
    for (let i = 0; i < 500; i++) {
      expect(byN.get(i)).toEqual({
        CompanyID: `c${i % 7}`,
        PiXLID: `p${i % 3}`,
        IPAddress: `198.51.${Math.floor(i / 250)}.${i % 250}`,
        ParamsJson: { n: String(i), sw: '1920' },
        ClientParamsJson: { email: `u${i}@example.com` },
      });
    }
    // Group commit: the 500 hits travelled in fewer queue messages (deterministic sizes: groupCommit.test.ts).
    expect((await host.queueStats())['hit-writer']?.succeeded).toBeLessThan(250);
  });

  it('answers with the reference headers, the 204 beacon variant, and records POST bodies', async () => {
    const gif = await fetch(`${host.url}/12800/1_smart.gif?variant=gif`);
    expect(
      Object.fromEntries(
        [
          'cache-control',
          'pragma',
          'expires',
          'x-content-type-options',
          'referrer-policy',
          'access-control-allow-origin',
        ].map((h) => [h, gif.headers.get(h)]),
      ),
    ).toEqual({
      'cache-control': 'no-cache, no-store, must-revalidate',
      pragma: 'no-cache',
      expires: '0',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'access-control-allow-origin': '*',
    });
    expect(gif.headers.get('accept-ch')).toContain('Sec-CH-UA-Platform-Version');
    const beacon = await fetch(`${host.url}/12800/1_SMART.DATA`, {
      method: 'POST',
      body: 'variant=beacon&sw=800',
    });
    expect(beacon.status).toBe(204);
    expect((await beacon.arrayBuffer()).byteLength).toBe(0);
    const landed = await waitFor(rows, (r) => r.filter((x) => x.ParamsJson.variant).length >= 2);
    expect(
      landed
        .filter((x) => x.ParamsJson.variant)
        .map((x) => x.ParamsJson.variant)
        .sort(),
    ).toEqual(['beacon', 'gif']);
    const types = await t.db.query<{ HitType: string }>(
      `SELECT "HitType" FROM "PiXL"."Test" WHERE "ParamsJson"->>'variant' IS NOT NULL ORDER BY "HitType"`,
    );
    expect(types.map((r) => r.HitType)).toEqual(['beacon', 'pixel']);
  });

  it('serves deployed pixels at the root and under /api/, and answers HEAD without recording', async () => {
    const root = await fetch(`${host.url}/12800/1_SMART.GIF?at=root`);
    const api = await fetch(`${host.url}/api/12800/1_SMART.GIF?at=api`);
    for (const res of [root, api]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
      expect((await res.arrayBuffer()).byteLength).toBe(42);
    }
    const landed = await waitFor(rows, (r) => r.filter((x) => x.ParamsJson.at).length >= 2);
    expect(
      landed
        .map((r) => r.ParamsJson.at)
        .filter(Boolean)
        .sort(),
    ).toEqual(['api', 'root']);

    const before = (await rows()).length;
    for (const path of ['/12800/1_SMART.GIF?at=head', '/api/12800/1_SMART.GIF?at=head']) {
      const head = await fetch(`${host.url}${path}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('image/gif');
      expect(head.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    }
    await sleep(500);
    expect((await rows()).length).toBe(before);
  });

  it('keeps the first bytes of a 2 MB chunked POST body, flagged truncated, and answers 413 past the cap', async () => {
    const sent = { bytes: 0 };
    const chunk = new TextEncoder().encode(`big=${'x'.repeat(64 * 1024 - 4)}`);
    const filler = new TextEncoder().encode('y'.repeat(64 * 1024));
    // No Content-Length: a stream body goes out chunked.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent.bytes >= 2 * 1024 * 1024) return controller.close();
        const part = sent.bytes === 0 ? chunk : filler;
        sent.bytes += part.length;
        controller.enqueue(part);
      },
    });
    const res = await fetch(`${host.url}/12800/1_SMART.DATA?chunked=1`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    const landed = await waitFor(
      () =>
        t.db.query<{ QueryString: string | null; QueryTruncated: boolean; HitType: string; big: string }>(
          `SELECT "QueryString", "QueryTruncated", "HitType", "ParamsJson"->>'big' AS big FROM "PiXL"."Test" WHERE "ParamsJson"->>'chunked' = '1'`,
        ),
      (r) => r.length > 0,
    );
    expect(landed).toHaveLength(1);
    expect(landed[0]?.QueryTruncated).toBe(true);
    expect(landed[0]?.HitType).toBe('beacon');
    // The first 16,384 bytes of `chunked=1&big=xxx…`, all held by the decoded parameters (so the raw string,
    // the same data twice, is not stored).
    expect(landed[0]?.big).toBe('x'.repeat(16_384 - 'chunked=1&big='.length));
    expect(landed[0]?.QueryString).toBeNull();

    // Under the cap: kept the same way, answered as usual.
    const small = await fetch(`${host.url}/12800/1_SMART.DATA?chunked=2`, {
      method: 'POST',
      body: `mid=${'z'.repeat(100_000)}`,
    });
    expect(small.status).toBe(204);
    const mid = await waitFor(
      () =>
        t.db.query<{ QueryTruncated: boolean; n: number }>(
          `SELECT "QueryTruncated", length("ParamsJson"->>'mid') AS n FROM "PiXL"."Test" WHERE "ParamsJson"->>'chunked' = '2'`,
        ),
      (r) => r.length > 0,
    );
    expect(mid).toEqual([{ QueryTruncated: true, n: 16_384 - 'chunked=2&mid='.length }]);
  });

  it('answers the GIF and records nothing for a bad id', async () => {
    const before = (await rows()).length;
    const res = await fetch(`${host.url}/bad%20id/1_SMART.GIF?sw=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    await sleep(500);
    expect((await rows()).length).toBe(before);
  });

  it('adds no rows when a message is delivered twice', async () => {
    const hits = [makeHit({ queryString: 'twice=1' }), makeHit({ queryString: 'twice=2' })];
    const body = await encodeHitMessage(hits.map((h) => JSON.stringify(h)));
    const queue = queueClient(connection, queueName);
    const before = (await rows()).length;
    await queue.sendMessage(body);
    await queue.sendMessage(body);
    await waitFor(rows, (r) => r.length >= before + 2);
    await waitFor(
      () => queue.getProperties(),
      (p) => p.approximateMessagesCount === 0,
    );
    await sleep(500);
    const after = await rows();
    expect(after.length).toBe(before + 2);
    expect(
      after
        .filter((r) => r.ParamsJson.twice)
        .map((r) => r.ParamsJson.twice)
        .sort(),
    ).toEqual(['1', '2']);
  });

  it('moves a malformed message to the poison queue after maxDequeueCount, without blocking good ones', async () => {
    const queue = queueClient(connection, queueName);
    const poison = queueClient(connection, poisonQueueName(queueName));
    const garbage = Buffer.from('SPX1.this is not gzip').toString('base64');
    await queue.sendMessage(garbage);
    const good = makeHit({ queryString: 'after=poison' });
    await queue.sendMessage(await encodeHitMessage([JSON.stringify(good)]));
    const landed = await waitFor(rows, (r) => r.some((x) => x.ParamsJson.after === 'poison'));
    expect(landed.some((x) => x.ParamsJson.after === 'poison')).toBe(true);
    const peeked = await waitFor(
      async () =>
        (await poison.exists())
          ? (await poison.peekMessages({ numberOfMessages: 5 })).peekedMessageItems
          : [],
      (items) => items.length > 0,
    );
    expect(peeked.map((m) => m.messageText)).toEqual([garbage]);
    const stats = (await host.queueStats())['hit-writer'];
    expect(stats?.poisoned).toBe(1);
    // maxDequeueCount (host.json: 5) tries before it was moved.
    expect(stats?.failed).toBe(5);
    // The health answer shows the ingest backlog, and a poisoned message makes it a warning at least.
    // (approximateMessagesCount is approximate: poll until it shows.)
    const health = await waitFor(
      async () =>
        (await (await fetch(`${host.url}/api/health`)).json()) as { status: string; poisonMessages: number },
      (h) => h.poisonMessages >= 1,
    );
    expect(health.poisonMessages).toBe(1);
    expect(health.status).not.toBe('ok');
  });

  it('puts a message back with a delay when the database is unreachable, instead of failing it', async () => {
    const dead = new PostgresWarehouse('postgres://postgres:x@127.0.0.1:1/none');
    const hit = makeHit();
    const payload = Buffer.from(await encodeHitMessage([JSON.stringify(hit)]), 'base64').toString('utf8');
    const requeued: string[] = [];
    const outcome = await writeHitMessage(payload, dead, async (p) => {
      requeued.push(p);
    });
    await dead.close();
    expect(outcome).toMatchObject({ hits: 1, inserted: 0, requeued: true, hitIds: [hit.hitId] });
    expect(requeued).toEqual([payload]);
    // The re-queued payload lands once the database is back.
    expect((await writeHitMessage(requeued[0], t.db, async () => {})).inserted).toBe(1);
  });
});

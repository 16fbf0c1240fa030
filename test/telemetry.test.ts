/**
 * Telemetry: every custom metric the operations docs list is recorded by the real handlers (real Azurite,
 * real PostgreSQL), read in process by a metric reader of this test; nothing is sent anywhere. Log lines
 * carry the invocation id and the hit id from the pixel to the PiXL.Test row. And the export itself: off
 * (no exporter loaded) without a connection string; with one, it posts to the ingestion endpoint with the
 * Entra token of the credential, here a loopback HTTPS server of this test.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { HttpRequest as HttpRequestType } from '@azure/functions';
import { ManagedIdentityCredential } from '@azure/identity';
import { QueueClient } from '@azure/storage-queue';
import { MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSettings, useSettings } from '../src/config.js';
import { HttpRequest, InvocationContext } from '../src/runtime/azureFunctions.js';
import { counterValue } from '../src/runtime/metrics.js';
import { closeServices } from '../src/runtime/services.js';
import {
  managedIdentityCredential,
  parseAuthenticationString,
  startTelemetry,
  useTelemetry,
} from '../src/runtime/telemetry.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { type RangeServer, startRangeServer } from './support/rangeServer.js';
import { type SelfSignedCert, selfSignedCert } from './support/selfSignedCert.js';

// Function modules read their schedules from the settings when loaded: give them settings first.
useSettings(parseSettings({ DATABASE_URL: 'postgres://placeholder' }));
const { datacenterRangesHandler } = await import('../src/functions/datacenterRanges.js');
const { etlHandler } = await import('../src/functions/etl.js');
const { healthFunction, liveFunction, liveHandler } = await import('../src/functions/health.js');
const { hitWriterHandler } = await import('../src/functions/hitWriter.js');
const { pixelHandler } = await import('../src/functions/pixel.js');

// The exporter's own usage statistics would go to a Microsoft endpoint: never from a test.
process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';

/** Reads the SDK's aggregated metrics on demand, in process. */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
  /** Metric name → data points (value and attributes). */
  async points(): Promise<Map<string, { value: unknown; attributes: Record<string, unknown> }[]>> {
    const { resourceMetrics } = await this.collect();
    const out = new Map<string, { value: unknown; attributes: Record<string, unknown> }[]>();
    for (const scope of resourceMetrics.scopeMetrics)
      for (const m of scope.metrics)
        out.set(
          m.descriptor.name,
          m.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes as Record<string, unknown> })),
        );
    return out;
  }
}

type Line = { level: string; text: string };
function contextFor(functionName: string, lines: Line[], triggerMetadata?: Record<string, unknown>) {
  return new InvocationContext({
    functionName,
    invocationId: `inv-${randomBytes(4).toString('hex')}`,
    ...(triggerMetadata && { triggerMetadata }),
    logHandler: (level, ...args) => lines.push({ level, text: args.map(String).join(' ') }),
  });
}

const pixelRequest = (path: string, query = 'sw=1920') =>
  new HttpRequest({
    method: 'GET',
    url: `http://localhost/api/${path}?${query}`,
    headers: { 'client-ip': '203.0.113.9', 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
    params: { companyId: path.split('/')[0] ?? '', pixelFile: path.split('/')[1] ?? '' },
  }) as unknown as HttpRequestType;

const postgres = enginesUnderTest().find((e) => e.name === 'postgres');

describe('telemetry', () => {
  let t: TestDatabase;
  let ranges: RangeServer;
  const reader = new TestReader();
  const queueName = `telemetry-${randomBytes(4).toString('hex')}`;
  const connection = inject('azuriteConnectionString');

  beforeAll(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create();
    ranges = await startRangeServer();
    ranges.fault('google-cloud-ip-ranges.json', 'http500');
    useSettings(
      parseSettings({
        DATABASE_URL: t.connectionString,
        AzureWebJobsStorage: connection,
        PIXEL_QUEUE_NAME: queueName,
        LOG_HIT_IDS: 'true',
        RANGES_PROVIDERS: 'aws,gcp',
        RANGES_URL_AWS: ranges.urls().aws.join(','),
        RANGES_URL_GCP: ranges.urls().gcp.join(','),
      }),
    );
    useTelemetry(startTelemetry({}, { readers: [reader] }));
  });
  afterAll(async () => {
    await closeServices();
    useTelemetry(undefined);
    await ranges?.close();
    await t?.drop();
  });

  it('records every operations metric from the real handlers, and follows a hit by its ids', async () => {
    const pixelLines: Line[] = [];
    const answers = await Promise.all([
      pixelHandler(
        pixelRequest('12800/1_SMART.GIF', 'sw=1920&_cp_email=a%40b.com'),
        contextFor('pixel', pixelLines),
      ),
      pixelHandler(pixelRequest('12800/2_SMART.GIF'), contextFor('pixel', pixelLines)),
      pixelHandler(pixelRequest('12800/not-a-pixel.png'), contextFor('pixel', pixelLines)),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const accepted = pixelLines.map((l) => JSON.parse(l.text)).filter((l) => l.event === 'pixel.accepted');
    expect(accepted).toHaveLength(2);
    for (const line of accepted) {
      expect(line.invocationId).toMatch(/^inv-/);
      expect(line.hitId).toMatch(/^[0-9a-f-]{36}$/);
    }

    // The hit-writer takes the messages from the queue as the host would (decoded base64).
    const queue = new QueueClient(connection, queueName);
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    expect(receivedMessageItems.length).toBeGreaterThan(0);
    const writerLines: Line[] = [];
    for (const m of receivedMessageItems) {
      const payload = Buffer.from(m.messageText, 'base64').toString('utf8');
      const meta = { id: m.messageId, dequeueCount: 1 };
      await hitWriterHandler(payload, contextFor('hit-writer', writerLines, meta));
      // The same message again: every hit is a duplicate, skipped.
      await hitWriterHandler(payload, contextFor('hit-writer', writerLines, meta));
      await queue.deleteMessage(m.messageId, m.popReceipt);
    }
    const landed = writerLines.map((l) => JSON.parse(l.text)).filter((l) => l.event === 'hit-writer.landed');
    expect(landed[0]).toMatchObject({
      invocationId: expect.stringMatching(/^inv-/),
      messageId: expect.any(String),
    });
    // From the pixel's line to the writer's line to the row.
    for (const { hitId } of accepted) {
      expect(landed.some((l) => l.hitIds.includes(hitId) && l.inserted > 0)).toBe(true);
      const [row] = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM "PiXL"."Test" WHERE "HitId" = $1',
        [hitId],
      );
      expect(row?.n).toBe(1);
    }

    // A message that cannot be decoded, at its last try: the host poisons it.
    const poisonLines: Line[] = [];
    await expect(
      hitWriterHandler(
        'SPX1.not-gzip',
        contextFor('hit-writer', poisonLines, { id: 'm-1', dequeueCount: 5 }),
      ),
    ).rejects.toThrow();
    expect(JSON.parse(poisonLines[0]?.text ?? '{}')).toMatchObject({
      event: 'hit-writer.poisoned',
      messageId: 'm-1',
    });

    // The one pass below must take both rows. Other test files share the server, and a transaction of theirs
    // older than these rows holds the parse horizon back (sql/postgres/objects/ETL.usp_ParseNewHits.sql): wait
    // until the horizon is past them.
    for (let deadline = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 50))) {
      const [horizon] = await t.db.query<{ passed: boolean }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot()) > (SELECT max("TxId") FROM "PiXL"."Test") AS passed',
      );
      if (horizon?.passed) break;
      if (Date.now() > deadline) throw new Error('an open transaction held the parse horizon for 20 s');
    }
    await etlHandler({} as never, contextFor('etl', []));
    await datacenterRangesHandler({} as never, contextFor('datacenter-ranges', []));

    const points = await reader.points();
    const sum = (name: string, attrs: Record<string, unknown> = {}) =>
      (points.get(`smartpixl.${name}`) ?? [])
        .filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
        .reduce((n, p) => n + (typeof p.value === 'number' ? p.value : (p.value as { sum: number }).sum), 0);
    const histogram = (name: string) =>
      (points.get(`smartpixl.${name}`) ?? []).map(
        (p) => p.value as { count: number; sum: number; max: number },
      );
    const lastValue = (name: string, attrs: Record<string, unknown> = {}) =>
      (points.get(`smartpixl.${name}`) ?? []).find((p) =>
        Object.entries(attrs).every(([k, v]) => p.attributes[k] === v),
      )?.value;

    // Hits accepted and dropped, by reason.
    expect(sum('pixel.accepted')).toBe(2);
    expect(sum('pixel.dropped.bad-path')).toBe(1);
    // Group commit: hits per message and the queue's accept latency, one value per message.
    const batches = histogram('enqueue.batchHits');
    expect(batches[0]?.sum).toBe(2);
    expect(batches[0]?.count).toBe(receivedMessageItems.length);
    expect(histogram('enqueue.latencyMs')[0]?.count).toBe(receivedMessageItems.length);
    // Rows bulk-written, duplicates skipped, known bots (the Googlebot agent), poison messages.
    expect(sum('writer.inserted')).toBe(2);
    expect(sum('writer.duplicates')).toBe(2);
    expect(sum('writer.knownBots')).toBe(4);
    expect(sum('writer.poisoned')).toBe(1);
    // ETL rows per step and per second, lags, match rate.
    expect(sum('etl.rows', { step: 'parse' })).toBe(2);
    expect(lastValue('etl.rowsPerSecond', { step: 'parse' })).toBeGreaterThan(0);
    expect(
      points
        .get('smartpixl.etl.rows')
        ?.map((p) => p.attributes.step)
        .sort(),
    ).toEqual(['classify', 'match', 'parse', 'retention']);
    expect(lastValue('etl.parseLag')).toBe(0);
    expect(lastValue('etl.matchLag')).toBe(0);
    expect(lastValue('etl.matchRate')).toBe(0); // one visit with an email, no consumer file rows
    expect(lastValue('queue.poisonMessages')).toBe(0);
    expect(lastValue('queue.messages')).toBe(0);
    // Datacenter refresh results per provider.
    expect(sum('ranges.refresh', { provider: 'aws', ok: true })).toBe(1);
    expect(sum('ranges.refresh', { provider: 'gcp', status: 'failed', ok: false })).toBe(1);
    // The in-process counters agree.
    expect(counterValue('writer.poisoned')).toBe(1);
  });
});

describe('health', () => {
  it('asks for a function key in Azure; the liveness answer is anonymous and says only ok', async () => {
    expect(healthFunction.authLevel).toBe('function');
    expect(liveFunction.authLevel).toBe('anonymous');
    expect(liveFunction.route).toBe('api/health/live');
    expect(await liveHandler()).toMatchObject({ status: 200, body: 'ok' });
  });
});

describe('telemetry export', () => {
  it('loads nothing and sends nothing without a connection string', () => {
    const cached = () =>
      Object.keys(createRequire(import.meta.url).cache).filter(
        (k) => k.includes('monitor-opentelemetry') || k.includes('applicationinsights'),
      );
    const before = cached().length;
    const off = startTelemetry({});
    expect(off.enabled).toBe(false);
    off.meter.createCounter('smartpixl.x').add(1);
    expect(cached().length).toBe(before);
  });

  it('uses the managed identity named by the authentication string', () => {
    expect(parseAuthenticationString('Authorization=AAD;ClientId=abc')).toEqual({
      aad: true,
      clientId: 'abc',
    });
    expect(managedIdentityCredential('ClientId=abc;Authorization=aad')).toBeInstanceOf(
      ManagedIdentityCredential,
    );
    expect(managedIdentityCredential(undefined)).toBeUndefined();
    expect(() =>
      parseSettings({ DATABASE_URL: 'x', APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=1' }),
    ).toThrow(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING/);
  });

  describe('to a loopback ingestion endpoint', () => {
    let server: Server;
    let tls: SelfSignedCert;
    const received: { path: string; authorization?: string; body: string }[] = [];

    beforeAll(async () => {
      tls = selfSignedCert();
      server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', async () => {
          const raw = Buffer.concat(chunks);
          const body =
            req.headers['content-encoding'] === 'gzip'
              ? (await promisify(gunzip)(raw)).toString()
              : raw.toString();
          received.push({ path: req.url ?? '', authorization: req.headers.authorization, body });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
      tls?.remove();
    });

    it('posts the metrics with the Entra token of the credential', async () => {
      const port = (server.address() as AddressInfo).port;
      const scopes: string[] = [];
      const credential = {
        getToken: async (scope: string | string[]) => {
          scopes.push(...[scope].flat());
          return { token: 'entra-token-1', expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      };
      const telemetry = startTelemetry(
        {
          connectionString: `InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://127.0.0.1:${port}/`,
          authenticationString: 'Authorization=AAD;ClientId=abc',
        },
        {
          credential,
          exporterOptions: {
            tlsOptions: { ca: tls.cert },
            disableOfflineStorage: true,
          },
        },
      );
      expect(telemetry.enabled).toBe(true);
      telemetry.meter.createCounter('smartpixl.pixel.accepted').add(3);
      await telemetry.flush();
      await telemetry.shutdown();
      const post = received.find((r) => r.body.includes('smartpixl.pixel.accepted'));
      expect(post?.path).toMatch(/\/track$/);
      expect(post?.authorization).toBe('Bearer entra-token-1');
      expect(scopes.some((s) => s.startsWith('https://monitor.azure.com'))).toBe(true);
      // Metrics only: node:http is left alone (no span per pixel request) and nothing but metrics was sent.
      const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
      expect((http.Server.prototype.emit as { __wrapped?: boolean }).__wrapped).toBeUndefined();
      expect((http.request as { __wrapped?: boolean }).__wrapped).toBeUndefined();
      const kinds = received.flatMap((r) => [...r.body.matchAll(/"baseType":"(\w+)"/g)].map((m) => m[1]));
      expect(new Set(kinds)).toEqual(new Set(['MetricData']));
    });
  });
});

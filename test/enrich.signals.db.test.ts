/**
 * Behaviour signals and IsLikelyBot on every engine: hits landed through two writer instances, parsed in small
 * batches by the real ETL pass (parse, classify, match), compared hit by hit with test/support/signalModel.ts,
 * plus the threshold edges spelled out.
 */
import { isbot } from 'isbot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedHit } from '../src/capture/hit.js';
import { openWarehouse } from '../src/db/open.js';
import type { Warehouse } from '../src/db/types.js';
import { refreshRanges } from '../src/enrich/ranges/refresh.js';
import { SIGNAL_DEFAULTS, type SignalSettings } from '../src/enrich/signals.js';
import { runEtlPass } from '../src/etl/runEtl.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { type RangeServer, startRangeServer } from './support/rangeServer.js';
import { expectedSignals, type ModelHit, type ModelSignals } from './support/signalModel.js';

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const T0 = Date.parse('2026-02-01T12:00:00.000Z');
const S = 1000;
const MIN = 60 * S;
/** The setting's threshold differs from PiXL.Config's (10 for pixel 1) so both paths are seen. */
const SETTINGS: SignalSettings = { ...SIGNAL_DEFAULTS, BotScoreThreshold: 12 };
const DATACENTER: Record<string, string> = {
  '3.5.141.7': 'aws',
  '34.35.12.34': 'gcp',
  '20.7.239.202': 'azure',
};

interface Spec {
  label: string;
  ip: string;
  at: number;
  qs?: string;
  ua?: string;
  pixel?: string;
  writer?: 0 | 1;
}

function scenarios(): Spec[] {
  const specs: Spec[] = [];
  const add = (label: string, ip: string, at: number, extra: Partial<Spec> = {}) =>
    specs.push({ label, ip, at, ...extra });
  // Subnet velocity: the third IP of a /24 within 5 minutes (edge included), and just after.
  add('subnetA1', '198.51.100.1', T0);
  add('subnetA2', '198.51.100.2', T0 + MIN);
  add('subnetA2again', '198.51.100.2', T0 + 2 * MIN);
  add('subnetA3', '198.51.100.3', T0 + 5 * MIN);
  add('subnetB1', '198.51.101.1', T0);
  add('subnetB2', '198.51.101.2', T0 + MIN);
  add('subnetB3late', '198.51.101.3', T0 + 5 * MIN + 1);
  // Rapid fire: three hits within 15 s (edge included), and a third just outside.
  add('rapidA1', '192.0.2.10', T0);
  add('rapidA2', '192.0.2.10', T0 + 5 * S);
  add('rapidA3', '192.0.2.10', T0 + 15 * S);
  add('rapidB1', '192.0.2.11', T0);
  add('rapidB2', '192.0.2.11', T0 + 5 * S);
  add('rapidB3', '192.0.2.11', T0 + 15 * S + 1);
  // Gaps: first (-1), 999 ms (duplicate), 1000 ms (not), and two hits at the same millisecond (gap 0).
  add('gap1', '192.0.2.20', T0);
  add('gap2', '192.0.2.20', T0 + 999);
  add('gap3', '192.0.2.20', T0 + 1999);
  add('tie1', '192.0.2.21', T0 + 7 * S);
  add('tie2', '192.0.2.21', T0 + 7 * S);
  // One IP through two writer instances: still counted together.
  add('twoWriters1', '192.0.2.40', T0, { writer: 0 });
  add('twoWriters2', '192.0.2.40', T0 + 4 * S, { writer: 1 });
  add('twoWriters3', '192.0.2.40', T0 + 8 * S, { writer: 0 });
  // A client sending the server's keys itself: ignored.
  add('hostile1', '192.0.2.41', T0);
  add('hostile2', '192.0.2.41', T0 + S);
  add('hostile3', '192.0.2.41', T0 + 2 * S, {
    qs: '_srv_rapidFire=0&_srv_hitsIn15s=0&_srv_subnetIps=0&_srv_subnetAlert=0&_srv_lastGapMs=99999&_srv_subSecDupe=0&_srv_subnetHits=0',
  });
  // Fingerprints: 4 distinct over 4 hits (suspicious only at the 4th), spaced 20 s apart.
  for (let i = 1; i <= 4; i++)
    add(`fp${i}`, '192.0.2.50', T0 + i * 20 * S, { qs: `canvasFP=c${i}&webglFP=w&audioHash=a` });
  // Same fingerprint, and a hit without one: 1 distinct.
  add('fpSame1', '192.0.2.51', T0, { qs: 'canvasFP=c&webglFP=w&audioHash=a' });
  add('fpSame2', '192.0.2.51', T0 + 20 * S, { qs: 'canvasFP=c&webglFP=w&audioHash=a' });
  add('fpNone', '192.0.2.51', T0 + 40 * S, { qs: 'sw=1' });
  // Rate: 21 hits 14.9 s apart (never 3 in 15 s); the 21st is the first with more than 20 in 5 minutes.
  for (let i = 1; i <= 21; i++) add(`rate${i}`, '192.0.2.60', T0 + (i - 1) * 14_900);
  // Volume: 201 hits 16 s apart; the 51st is high volume, the 201st extreme.
  for (let i = 1; i <= 201; i++) add(`vol${i}`, '192.0.2.70', T0 + (i - 1) * 16 * S);
  // Bots: a known crawler, client bot scores against the pixel's and the setting's thresholds, datacenters.
  add('googlebot', '192.0.2.80', T0, { ua: GOOGLEBOT });
  add('score10px1', '192.0.2.81', T0, { qs: 'botScore=10' });
  add('score9px1', '192.0.2.82', T0, { qs: 'botScore=9' });
  add('score10px2', '192.0.2.83', T0, { qs: 'botScore=10', pixel: '2' });
  add('score12px2', '192.0.2.84', T0, { qs: 'botScore=12', pixel: '2' });
  for (const ip of Object.keys(DATACENTER)) add(`dc-${ip}`, ip, T0);
  add('private', '10.1.2.3', T0);
  add('ipv6a', '2001:db8::1', T0);
  add('ipv6b', '2001:db8::1', T0 + 500);
  add('noIp', '', T0);
  return specs.sort((a, b) => a.at - b.at);
}

/** Landed after the first hits of the datacenter IPs were parsed and their IP rows classified. */
const LATE: Spec[] = Object.keys(DATACENTER).map((ip) => ({ label: `dc2-${ip}`, ip, at: T0 + 10 * MIN }));

function fingerprintOf(qs: string): string | null {
  const p = new URLSearchParams(qs);
  const parts = ['canvasFP', 'webglFP', 'audioHash'].map((k) => p.get(k));
  return parts.some((v) => v !== null) ? parts.map((v) => v ?? '').join('|') : null;
}

const COLUMNS = [
  'Srv_SubnetIps',
  'Srv_SubnetHits',
  'Srv_HitsIn15s',
  'Srv_LastGapMs',
  'Srv_SubSecDupe',
  'Srv_SubnetAlert',
  'Srv_RapidFire',
  'Srv_FpDistinct',
  'Srv_FpObservations',
  'Srv_FpHitsIn5m',
  'Srv_FpSuspicious',
  'Srv_FpHighVolume',
  'Srv_FpExtremeVolume',
  'Srv_FpHighRate',
  'IsLikelyBot',
] as const;

const norm = (v: unknown) => (v === null || v === undefined ? null : typeof v === 'boolean' ? v : Number(v));

describe.each(enginesUnderTest())('behaviour signals on $name', (engine) => {
  let t: TestDatabase;
  let second: Warehouse;
  let server: RangeServer;
  const first = scenarios();
  const specs = [...first, ...LATE];
  const hits: CapturedHit[] = specs.map((s) =>
    makeHit({
      ip: s.ip,
      pixelId: s.pixel ?? '1',
      queryString: s.qs ?? 'sw=1920',
      userAgent: s.ua ?? BROWSER,
      headers: { 'User-Agent': s.ua ?? BROWSER },
      receivedAt: new Date(s.at).toISOString(),
    }),
  );
  const ids = new Map<string, number>();
  const rows = new Map<string, Record<string, unknown>>();
  const sql = (text: string) => text.replace(/\{([\w.]+)\}/g, (_, n: string) => t.db.name(n));

  beforeAll(async () => {
    t = await engine.create();
    second = openWarehouse({ engine: engine.name, connectionString: t.connectionString, poolMax: 2 });
    server = await startRangeServer();
    await refreshRanges(t.db, {
      providers: ['aws', 'gcp', 'azure'],
      urls: server.urls(),
      schedule: '0 30 3 * * *',
      timeoutMs: 10_000,
      maxBytes: 5_000_000,
      minKeepRatio: 0.5,
    });
    // Land in time order, each hit through its writer instance.
    for (const [i, hit] of hits.entries()) {
      if (i < first.length) await (specs[i]?.writer === 1 ? second : t.db).insertHits([toHitRow(hit)]);
    }
    // Small batches: a hit's look-back spans earlier batches and earlier hits of its own batch. Other test
    // files share the server, so passes repeat until every hit is parsed.
    const passUntil = async (count: number) => {
      const deadline = Date.now() + 60_000;
      let parsed = 0;
      do {
        await runEtlPass(t.db, {
          batchSize: 7,
          timeBudgetMs: 60_000,
          matchBatchSize: 1000,
          classifyBatchSize: 1000,
          signals: SETTINGS,
        });
        const [n] = await t.db.query(sql('SELECT COUNT(*) AS n FROM {PiXL.Parsed}'));
        parsed = Number(n?.n);
      } while (parsed < count && Date.now() < deadline);
    };
    await passUntil(first.length);
    for (const [i, hit] of hits.entries()) if (i >= first.length) await t.db.insertHits([toHitRow(hit)]);
    await passUntil(hits.length);
    const test = await t.db.query<{ Id: unknown; HitId: unknown }>(
      sql('SELECT {Id}, {HitId} FROM {PiXL.Test}'),
    );
    for (const [i, hit] of hits.entries()) {
      const row = test.find((r) => String(r.HitId).toLowerCase() === hit.hitId);
      ids.set(specs[i]?.label as string, Number(row?.Id));
    }
    const parsedRows = await t.db.query(
      sql(`SELECT {SourceId}, {IsKnownBot}, ${COLUMNS.map((c) => `{${c}}`).join(', ')} FROM {PiXL.Parsed}`),
    );
    for (const [label, id] of ids) {
      const row = parsedRows.find((r) => Number(r.SourceId) === id);
      if (row) rows.set(label, row);
    }
  }, 120_000);

  afterAll(async () => {
    await second?.close();
    await server?.close();
    await t?.drop();
  });

  const value = (label: string, column: (typeof COLUMNS)[number] | 'IsKnownBot') =>
    norm(rows.get(label)?.[column]);

  it('parses every hit', () => {
    expect(rows.size).toBe(hits.length);
  });

  it('matches the model for every hit and every signal column', () => {
    const model: ModelHit[] = specs.map((s, i) => ({
      id: ids.get(s.label) as number,
      ip: s.ip || null,
      at: s.at,
      fingerprint: fingerprintOf(s.qs ?? ''),
      knownBot: isbot(hits[i]?.userAgent),
      // IsLikelyBot reads PiXL.IP as classified before the hit's batch: the first hit of an address is not.
      datacenter: s.label.startsWith('dc2-'),
      botScore: new URLSearchParams(s.qs ?? '').has('botScore')
        ? Number(new URLSearchParams(s.qs ?? '').get('botScore'))
        : null,
      botScoreThreshold: (s.pixel ?? '1') === '1' ? 10 : null,
    }));
    for (const [i, s] of specs.entries()) {
      const expected = expectedSignals(model, model[i] as ModelHit, SETTINGS);
      const actual = Object.fromEntries(
        COLUMNS.map((c) => [c, value(s.label, c)]),
      ) as unknown as ModelSignals;
      expect({ hit: s.label, ...actual }).toEqual({ hit: s.label, ...expected });
    }
  });

  it('raises the subnet alert on the third IP of a /24 within 5 minutes, not when the first is older', () => {
    expect(
      ['subnetA1', 'subnetA2', 'subnetA2again', 'subnetA3'].map((l) => value(l, 'Srv_SubnetAlert')),
    ).toEqual([false, false, false, true]);
    expect(value('subnetA3', 'Srv_SubnetIps')).toBe(3);
    expect(value('subnetA3', 'Srv_SubnetHits')).toBe(4);
    expect(value('subnetB3late', 'Srv_SubnetAlert')).toBe(false);
    expect(value('subnetB3late', 'Srv_SubnetIps')).toBe(2);
    expect(value('ipv6a', 'Srv_SubnetIps')).toBeNull();
  });

  it('flags rapid fire at 3 hits within 15 s and sub-second duplicates below 1000 ms', () => {
    expect(value('rapidA3', 'Srv_RapidFire')).toBe(true);
    expect(value('rapidB3', 'Srv_RapidFire')).toBe(false);
    expect(['gap1', 'gap2', 'gap3'].map((l) => value(l, 'Srv_LastGapMs'))).toEqual([-1, 999, 1000]);
    expect(['gap1', 'gap2', 'gap3'].map((l) => value(l, 'Srv_SubSecDupe'))).toEqual([false, true, false]);
    expect([value('tie2', 'Srv_LastGapMs'), value('tie2', 'Srv_SubSecDupe')]).toEqual([0, true]);
    expect(value('ipv6b', 'Srv_SubSecDupe')).toBe(true);
  });

  it('counts hits of one IP landed by two writer instances together', () => {
    expect(value('twoWriters3', 'Srv_HitsIn15s')).toBe(3);
    expect(value('twoWriters3', 'Srv_RapidFire')).toBe(true);
  });

  it('ignores the _srv_ values a client sends', () => {
    expect(value('hostile3', 'Srv_HitsIn15s')).toBe(3);
    expect(value('hostile3', 'Srv_RapidFire')).toBe(true);
    expect(value('hostile3', 'Srv_LastGapMs')).toBe(1000);
    // 192.0.2.0/24 holds many of these scenarios' IPs: the client's 0 is not what is stored.
    expect(value('hostile3', 'Srv_SubnetIps')).toBeGreaterThan(3);
    expect(value('hostile3', 'Srv_SubnetAlert')).toBe(true);
  });

  it('sets the fingerprint flags exactly past each threshold', () => {
    expect(['fp3', 'fp4'].map((l) => value(l, 'Srv_FpSuspicious'))).toEqual([false, true]);
    expect(value('fp4', 'Srv_FpDistinct')).toBe(4);
    expect([value('fpNone', 'Srv_FpDistinct'), value('fpNone', 'Srv_FpObservations')]).toEqual([1, 3]);
    expect(['rate20', 'rate21'].map((l) => value(l, 'Srv_FpHighRate'))).toEqual([false, true]);
    expect(value('rate21', 'Srv_RapidFire')).toBe(false);
    expect(['vol50', 'vol51'].map((l) => value(l, 'Srv_FpHighVolume'))).toEqual([false, true]);
    expect(['vol200', 'vol201'].map((l) => value(l, 'Srv_FpExtremeVolume'))).toEqual([false, true]);
    expect(['vol200', 'vol201'].map((l) => value(l, 'IsLikelyBot'))).toEqual([false, true]);
  });

  it('flags known bots and likely bots (crawler UA, bot score against the pixel or the setting, datacenter)', () => {
    expect([value('googlebot', 'IsKnownBot'), value('googlebot', 'IsLikelyBot')]).toEqual([true, true]);
    expect([value('gap1', 'IsKnownBot'), value('gap1', 'IsLikelyBot')]).toEqual([false, false]);
    expect(
      ['score10px1', 'score9px1', 'score10px2', 'score12px2'].map((l) => value(l, 'IsLikelyBot')),
    ).toEqual([true, false, false, true]);
    for (const ip of Object.keys(DATACENTER)) {
      expect([value(`dc-${ip}`, 'IsLikelyBot'), value(`dc2-${ip}`, 'IsLikelyBot')], ip).toEqual([
        false,
        true,
      ]);
    }
    expect(value('private', 'IsLikelyBot')).toBe(false);
  });

  it('classifies the IPs in the same ETL pass: datacenter with its provider, 10.x Private', async () => {
    const ips = await t.db.query<{
      IPAddress: string;
      IpType: string;
      IsDatacenter: unknown;
      DatacenterProvider: string;
    }>(sql('SELECT {IPAddress}, {IpType}, {IsDatacenter}, {DatacenterProvider} FROM {PiXL.IP}'));
    const byIp = new Map(ips.map((r) => [r.IPAddress, r]));
    for (const [ip, provider] of Object.entries(DATACENTER)) {
      expect({
        ip,
        dc: norm(byIp.get(ip)?.IsDatacenter),
        provider: byIp.get(ip)?.DatacenterProvider,
      }).toEqual({
        ip,
        dc: true,
        provider,
      });
    }
    expect([byIp.get('10.1.2.3')?.IpType, norm(byIp.get('10.1.2.3')?.IsDatacenter)]).toEqual([
      'Private',
      false,
    ]);
  });

  it('keeps the look-back to the longest window plus an hour', async () => {
    const [r] = await t.db.query(sql('SELECT COUNT(*) AS n FROM {ETL.SignalHit}'));
    expect(Number(r?.n)).toBe(specs.filter((s) => s.ip).length);
  });
});

/**
 * The parse conformance suite: the same fixture hits, landed through the real writer path, must give the
 * Parsed, Device, IP and Visit rows that test/support/etlModel.ts computes, on every engine under test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedHit } from '../src/capture/hit.js';
import { FIELDS } from '../src/warehouse/fields.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase, type TestWarehouse } from './support/engines.js';
import { type ExpectedHit, expectedFor, type Value } from './support/etlModel.js';
import { makeHit } from './support/hits.js';
import { parseBatch } from './support/parseBatch.js';
import { realisticQueryString } from './support/realisticHits.js';

const enc = encodeURIComponent;
const SAME_DEVICE = 'canvasFP=c1&webglFP=w1&audioHash=a1&gpu=GPU%20X&fonts=Arial,Verdana';

/** Fixture query strings: realistic hits, then hostile ones. */
const FIXTURES: Record<string, string> = {
  realistic1: realisticQueryString(1),
  realistic2: realisticQueryString(2),
  numbers: [
    'sw=1920',
    'sh=%201080',
    'saw=1080%20',
    'sah=%2B768',
    'vw=-0',
    'vh=00000000000000000000000042',
    'ow=2147483647',
    'oh=2147483648',
    'sx=-2147483648',
    'sy=-2147483649',
    'cd=1e3',
    'tzo=0x1F',
    'ts=9223372036854775807',
    'jsHeapLimit=9223372036854775808',
    'jsHeapTotal=-9223372036854775808',
    'jsHeapUsed=0000000000000000000000000000001',
    'pd=1.555',
    'mem=999.995',
    'dl=12345678.994',
    'rtt=12.0',
    'cores=',
    'touch=%2B',
    'hist=--1',
    'plugins=%EF%BC%91%EF%BC%92',
    'mimeTypes=%C2%B2',
    'webglExt=1-2',
    'storageQuota=%091',
    'storageUsed=5%09',
    'batteryLevel=NaN',
    'loadTime=Infinity',
    'domTime=12.5',
    'dnsTime=%2B%2B1',
    'tcpTime=99999999999',
    'ttfb=-',
    'botScore=007',
    'combinedThreatScore=1,000',
    'scriptExecTime=1_000',
    'mouseMoves=%D9%A3',
  ].join('&'),
  decimals: ['pd=.5', 'mem=5.', 'dl=-0.004', 'dlMax=keep', 'tier=%2B.5'].join('&'),
  decimals2: ['pd=%2B.555', 'mem=-.995', 'dl=99999999.995', 'cd=.'].join('&'),
  decimals3: ['pd=1.2.3', 'mem=0.1234567890123456789012345678', 'dl=-99999999.99'].join('&'),
  bits: [
    'webgl=TRUE',
    'webgl2=False',
    'save=yes',
    'online=2',
    'ls=1%20',
    'ss=%200',
    'idb=0',
    'caches=true',
    'ck=-1',
    'dnt=1',
    'pdf=%EF%BD%94rue',
    'webdr=t',
    'java=',
    'synthetic=1',
  ].join('&'),
  strings: [
    `ori=${'x'.repeat(100)}`,
    `lang=${enc('😀'.repeat(60))}`,
    `tz=${enc('é'.repeat(120))}`,
    `title=${enc(`'; DROP TABLE "PiXL"."Parsed"; --`)}`,
    `domain=${enc("]]; EXEC xp_cmdshell 'dir' --")}`,
    `url=${enc(`https://x.example/${'p'.repeat(2990)}`)}`,
    `hash=${enc('%27%3B')}`,
    `path=${enc('\\"},{"x":1')}`,
    `protocol=${enc('  ')}`,
  ].join('&'),
  brokenEscapes: 'gpu=%ZZ%&gpuVendor=%&canvasFP=%E0%A4%A&webglFP=100%25&audioHash=%C3%28%FF&fonts=a%00b',
  longQuery: `pluginList=${'a'.repeat(16_000)}&mimeList=${enc('ü'.repeat(5000))}&sw=1`,
  duplicates: 'sw=1&sw=2&tz=A&tz=B&_cp_email=first%40x.io&_cp_email=second%40x.io',
  clientParams: [
    `_cp_email=${enc('  Foo.Bar@Example.COM ')}`,
    '_cp_hid=abc',
    '_cp_=empty-name',
    '_CP_upper=1',
    `_cp_quote=${enc(`"'\\`)}`,
    `${enc('_cp_a.b')}=dot`,
    `${enc('_cp_"k"')}=quoted-key`,
    'cp_no=1',
  ].join('&'),
  emailUnicode: `_cp_email=${enc('ÉLODIE@X.FR')}`,
  emailBlank: `_cp_email=${enc('   ')}&_cp_hid=1`,
  emailTabs: `_cp_email=${enc('\t Tab.Line@X.io\r\n')}`,
  emailLong: `_cp_email=${'A'.repeat(300)}`,
  sameDevice1: `${SAME_DEVICE}&sw=1`,
  sameDevice2: `${SAME_DEVICE}&sw=2`,
  sameDevice3: `${SAME_DEVICE}&sw=3`,
  deviceNullParts: 'gpu=G&fonts=',
  empty: '',
};

const NAMES = Object.keys(FIXTURES);
const IPS = ['203.0.113.7', '203.0.113.8', '2001:db8::1'];

function fixtureHits(): { name: string; hit: CapturedHit }[] {
  const base = Date.parse('2026-01-15T10:00:00.000Z');
  return NAMES.map((name, i) => ({
    name,
    hit: makeHit({
      queryString: FIXTURES[name] as string,
      hitType: FIXTURES[name] ? 'pixel' : 'legacy',
      ip: name === 'empty' ? '' : (IPS[i % IPS.length] as string),
      receivedAt: new Date(base + i * 1000).toISOString(),
      userAgent: `UA ${name} é`,
      referer: `https://ref.example/${name}`,
    }),
  }));
}

function normalize(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  return String(v);
}

/** Selects every catalog column, numbers as text so big and decimal values compare exactly. */
function parsedSelect(db: TestWarehouse): string {
  const cols = FIELDS.map((f) =>
    f.sqlType.kind === 'int' || f.sqlType.kind === 'bigint' || f.sqlType.kind === 'decimal'
      ? `CAST(${db.name(f.column)} AS VARCHAR(40)) AS ${db.name(f.column)}`
      : db.name(f.column),
  );
  const ctx = [
    'SourceId',
    'CompanyID',
    'PiXLID',
    'IPAddress',
    'ReceivedAt',
    'RequestPath',
    'ServerUserAgent',
    'ServerReferer',
  ].map((c) => db.name(c));
  return `SELECT ${[...ctx, ...cols].join(', ')} FROM ${db.name('PiXL.Parsed')} ORDER BY ${db.name('SourceId')}`;
}

const hex = (b: unknown) => (Buffer.isBuffer(b) ? b.toString('hex') : null);
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : (v ?? null));

/**
 * Keys in jsonb's order (UTF-8 length, then bytes): PostgreSQL stores ClientParamsJson so, and the T-SQL twin
 * aggregates its keys in that order, so both engines list them alike.
 */
const jsonbKeyOrder = (keys: string[]) =>
  [...keys].sort(
    (a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );

describe.each(enginesUnderTest())('parse conformance on $name', (engine) => {
  let t: TestDatabase;
  const fixtures = fixtureHits();
  const ids = new Map<string, number>();
  const expected = new Map<string, ExpectedHit>(
    fixtures.map((f) => [f.name, expectedFor(f.hit.queryString)]),
  );
  let firstRun: Awaited<ReturnType<typeof parseBatch>>;

  beforeAll(async () => {
    t = await engine.create();
    expect(await t.db.insertHits(fixtures.map((f) => toHitRow(f.hit)))).toBe(fixtures.length);
    const rows = await t.db.query<{ Id: unknown; HitId: unknown }>(
      `SELECT ${t.db.name('Id')}, ${t.db.name('HitId')} FROM ${t.db.name('PiXL.Test')}`,
    );
    for (const f of fixtures) {
      const row = rows.find((r) => String(r.HitId).toLowerCase() === f.hit.hitId);
      ids.set(f.name, Number(row?.Id));
    }
    // Other test files share the server: wait until no older transaction holds the horizon back.
    const deadline = Date.now() + 20_000;
    do {
      firstRun = await parseBatch(t.db, 1000);
    } while (firstRun.rowsParsed === 0 && Date.now() < deadline);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('reports what one batch did', () => {
    const hashes = new Set([...expected.values()].map((e) => e.deviceHash).filter(Boolean));
    const ips = new Set(fixtures.map((f) => f.hit.ip).filter(Boolean));
    expect(firstRun).toEqual({
      rowsParsed: fixtures.length,
      fromId: Math.min(...ids.values()),
      toId: Math.max(...ids.values()),
      devicesUpserted: hashes.size,
      ipsUpserted: ips.size,
      visitsInserted: fixtures.length,
    });
  });

  it('types every catalog field of every hit as the rules say', async () => {
    const rows = await t.db.query(parsedSelect(t.db));
    expect(rows).toHaveLength(fixtures.length);
    for (const f of fixtures) {
      const row = rows.find((r) => Number(r.SourceId) === ids.get(f.name));
      expect(row, f.name).toBeDefined();
      const actual: Record<string, Value> = {};
      for (const field of FIELDS) {
        if (field.computedSince === undefined) actual[field.column] = normalize(row?.[field.column]);
      }
      expect({ fixture: f.name, ...actual }).toEqual({ fixture: f.name, ...expected.get(f.name)?.parsed });
      expect(row?.CompanyID).toBe('12800');
      expect(row?.PiXLID).toBe('1');
      expect(row?.IPAddress ?? '').toBe(f.hit.ip);
      expect(row?.RequestPath).toBe(f.hit.requestPath);
      expect(row?.ServerReferer).toBe(f.hit.referer);
      expect((row?.ReceivedAt as Date | undefined)?.toISOString()).toBe(f.hit.receivedAt);
    }
  });

  it('upserts one device per distinct hash with counts, first/last seen and the first hit components', async () => {
    const devices = await t.db.query(`SELECT * FROM ${t.db.name('PiXL.Device')}`);
    const byHash = new Map<string, typeof fixtures>();
    for (const f of fixtures) {
      const h = expected.get(f.name)?.deviceHash;
      if (h) byHash.set(h, [...(byHash.get(h) ?? []), f]);
    }
    expect(devices).toHaveLength(byHash.size);
    expect(byHash.size).toBeLessThan(fixtures.length - 2); // the three sameDevice hits share one row
    for (const [hash, hits] of byHash) {
      const d = devices.find((x) => hex(x.DeviceHash) === hash);
      expect(d, `device ${hits[0]?.name}`).toBeDefined();
      expect(Number(d?.HitCount)).toBe(hits.length);
      expect((d?.FirstSeen as Date | undefined)?.toISOString()).toBe(hits[0]?.hit.receivedAt);
      expect((d?.LastSeen as Date | undefined)?.toISOString()).toBe(hits.at(-1)?.hit.receivedAt);
      const first = expected.get(hits[0]?.name as string)?.parsed;
      expect(d?.CanvasFingerprint ?? null).toBe(first?.CanvasFingerprint);
      expect(d?.DetectedFonts ?? null).toBe(first?.DetectedFonts);
    }
  });

  it('upserts one IP row per address with its hit count', async () => {
    const ips = await t.db.query(`SELECT * FROM ${t.db.name('PiXL.IP')}`);
    const counts = new Map<string, number>();
    for (const f of fixtures) if (f.hit.ip) counts.set(f.hit.ip, (counts.get(f.hit.ip) ?? 0) + 1);
    expect(ips.map((r) => [r.IPAddress, Number(r.HitCount)]).sort()).toEqual([...counts].sort());
    expect(ips.every((r) => r.IpType === null && r.IsDatacenter === null)).toBe(true);
  });

  it('writes one visit per hit with its device, IP, client params and match email', async () => {
    const visits = await t.db.query(`SELECT * FROM ${t.db.name('PiXL.Visit')}`);
    const devices = await t.db.query(`SELECT * FROM ${t.db.name('PiXL.Device')}`);
    const ips = await t.db.query(`SELECT * FROM ${t.db.name('PiXL.IP')}`);
    expect(visits).toHaveLength(fixtures.length);
    for (const f of fixtures) {
      const e = expected.get(f.name) as ExpectedHit;
      const v = visits.find((x) => Number(x.VisitID) === ids.get(f.name));
      const device = devices.find((d) => hex(d.DeviceHash) === e.deviceHash);
      const ip = ips.find((i) => i.IPAddress === f.hit.ip);
      expect({
        fixture: f.name,
        device: v?.DeviceId === null ? null : Number(v?.DeviceId),
        ip: v?.IpId === null ? null : Number(v?.IpId),
        params: json(v?.ClientParamsJson),
        email: v?.MatchEmail ?? null,
      }).toEqual({
        fixture: f.name,
        device: device ? Number(device.DeviceId) : null,
        ip: ip ? Number(ip.IpId) : null,
        params: e.clientParams,
        email: e.matchEmail,
      });
      // Key order too (JSON.parse keeps the stored text's order; no fixture key looks like an array index).
      if (e.clientParams)
        expect(Object.keys(json(v?.ClientParamsJson)), f.name).toEqual(
          jsonbKeyOrder(Object.keys(e.clientParams)),
        );
    }
  });

  it('numbers the visits for matching (MatchSeq) in raw-row order, as on the other engine', async () => {
    const rows = await t.db.query<{ VisitID: unknown; MatchSeq: unknown }>(
      `SELECT ${t.db.name('VisitID')}, ${t.db.name('MatchSeq')} FROM ${t.db.name('PiXL.Visit')}`,
    );
    const byMatchSeq = rows
      .sort((a, b) => Number(a.MatchSeq) - Number(b.MatchSeq))
      .map((r) => Number(r.VisitID));
    expect(byMatchSeq).toEqual([...byMatchSeq].sort((a, b) => a - b));
  });

  it('changes nothing when run again, even over rows it already parsed (a crash before the watermark moved)', async () => {
    const counts = async () =>
      Promise.all(
        ['PiXL.Parsed', 'PiXL.Visit', 'PiXL.Device', 'PiXL.IP'].map(async (table) => {
          const [r] = await t.db.query(`SELECT COUNT(*) AS n FROM ${t.db.name(table)}`);
          return Number(r?.n);
        }),
      );
    const hitCounts = async () =>
      (await t.db.query(`SELECT ${t.db.name('HitCount')} AS n FROM ${t.db.name('PiXL.Device')}`)).map((r) =>
        Number(r.n),
      );
    const before = [await counts(), (await hitCounts()).sort()];
    expect((await parseBatch(t.db, 1000)).rowsParsed).toBe(0);
    await t.db.query(
      `UPDATE ${t.db.name('ETL.Watermark')} SET ${t.db.name('LastVersion')} = ${t.db.engine === 'postgres' ? "'0'" : '0x0000000000000000'}, ${t.db.name('LastVersionId')} = 0`,
    );
    const rerun = await parseBatch(t.db, 1000);
    expect(rerun).toMatchObject({
      rowsParsed: fixtures.length,
      devicesUpserted: 0,
      ipsUpserted: 0,
      visitsInserted: 0,
    });
    expect([await counts(), (await hitCounts()).sort()]).toEqual(before);
  });
});

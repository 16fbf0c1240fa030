import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HitRow } from '../src/db/types.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { etlUntilParsed } from './support/etlUntilParsed.js';
import { makeHit } from './support/hits.js';
import { landReleasedHits } from './support/releasedHits.js';

describe.each(enginesUnderTest())('bulk writer on $name', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const countRows = async () =>
    Number((await t.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t.db.name('PiXL.Test')}`))[0]?.n);

  it('inserts every hit of a batch in one call and skips HitIds already present', async () => {
    const hits = Array.from({ length: 50 }, (_, i) => makeHit({ queryString: `i=${i}&sw=1920` }));
    expect(await t.db.insertHits(hits.map(toHitRow))).toBe(50);
    // Redelivery of the same batch, and a batch overlapping it: only new hits land.
    expect(await t.db.insertHits(hits.map(toHitRow))).toBe(0);
    const extra = makeHit();
    expect(await t.db.insertHits([...hits.slice(0, 10), extra].map(toHitRow))).toBe(1);
    expect(await countRows()).toBe(51);
  });

  it('keeps the raw query string verbatim and the decoded parameters as JSON', async () => {
    const qs =
      'sw=1920&tz=Europe%2FParis&name=Jos%C3%A9+M&bad=%E0%A4%A&dup=first&dup=second&q=%27%3B+DROP+TABLE+x%3B--';
    const hit = makeHit({ queryString: qs, receivedAt: '2026-03-08T07:30:15.123Z' });
    await t.db.insertHits([toHitRow(hit)]);
    const [row] = await t.db.query<{ QueryString: string; ParamsJson: unknown; ReceivedAt: Date }>(
      `SELECT QueryString, ParamsJson, ReceivedAt FROM ${t.db.name('PiXL.Test')} WHERE HitId = $1`.replace(
        /\b(QueryString|ParamsJson|ReceivedAt|HitId)\b/g,
        (c) => t.db.name(c),
      ),
      [hit.hitId],
    );
    expect(row?.QueryString).toBe(qs);
    expect(row?.ReceivedAt.toISOString()).toBe('2026-03-08T07:30:15.123Z');
    const params = typeof row?.ParamsJson === 'string' ? JSON.parse(row.ParamsJson) : row?.ParamsJson;
    expect(params).toEqual({
      sw: '1920',
      tz: 'Europe/Paris',
      name: 'José M',
      bad: '\uFFFD%A',
      dup: 'first',
      q: "'; DROP TABLE x;--",
    });
  });

  it('stores the client params apart, keyed by name in jsonb order, and none among the other parameters', async () => {
    // [query string, the other parameters, the client params in jsonb's order: UTF-8 length, then bytes]
    const cases: [string, Record<string, string>, [string, string][]][] = [
      [
        'sw=1&_cp_email=a%40b.c&_cp_10=ten&_cp_2=two&_cp_hid=h',
        { sw: '1' },
        [
          ['2', 'two'],
          ['10', 'ten'],
          ['hid', 'h'],
          ['email', 'a@b.c'],
        ],
      ],
      ['sw=1&_cp_=bare&_cp___proto__=p', { sw: '1', _cp_: 'bare' }, [['__proto__', 'p']]],
      ['sw=1', { sw: '1' }, []],
    ];
    const hits = cases.map(([queryString]) => makeHit({ queryString }));
    await t.db.insertHits(hits.map(toHitRow));
    const text = (c: string) =>
      t.db.engine === 'mssql' ? `CAST(${c} AS NVARCHAR(MAX))` : `${t.db.name(c)}::text`;
    for (const [i, [queryString, params, clientParams]] of cases.entries()) {
      const [row] = await t.db.query<{ params: string; client: string }>(
        `SELECT ${text('ParamsJson')} AS params, ${text('ClientParamsJson')} AS client
         FROM ${t.db.name('PiXL.Test')} WHERE ${t.db.name('HitId')} = $1`,
        [hits[i]?.hitId],
      );
      expect({ queryString, params: JSON.parse(String(row?.params)) }).toEqual({ queryString, params });
      // The stored text's keys in their order (JSON.parse would put integer-like names first).
      const client = String(row?.client);
      const keys = [...client.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => m[1]);
      expect({ queryString, keys }).toEqual({ queryString, keys: clientParams.map(([name]) => name) });
      expect(Object.entries(JSON.parse(client)).sort()).toEqual([...clientParams].sort());
    }
  });

  it('stores the raw query string only when the decoded parameters do not hold all of it', async () => {
    const cases: [string, boolean][] = [
      ['sw=1920&tz=Europe%2FParis&name=Jos%C3%A9+M&flag', false],
      ['', false],
      ['a=1&a=2', true],
      ['=orphan&a=1', true],
      ['bad=%E0%A4%A', true],
      ['nul=a%00b', true],
      ['__proto__=x', true],
    ];
    const hits = cases.map(([queryString]) => makeHit({ queryString }));
    expect(await t.db.insertHits(hits.map(toHitRow))).toBe(cases.length);
    for (const [i, [queryString, kept]] of cases.entries()) {
      const [row] = await t.db.query<{ QueryString: string | null }>(
        `SELECT ${t.db.name('QueryString')} FROM ${t.db.name('PiXL.Test')} WHERE ${t.db.name('HitId')} = $1`,
        [hits[i]?.hitId],
      );
      expect({ queryString, stored: row?.QueryString }).toEqual({
        queryString,
        stored: kept ? queryString : null,
      });
    }
  });

  it('stores 2,000 non-ASCII characters of User-Agent and Referer unchanged, and a non-ASCII path', async () => {
    const userAgent = 'Ж'.repeat(2000);
    const referer = `https://例え.jp/${'😀'.repeat(990)}`.slice(0, 2000);
    const requestPath = `/api/12800/1_SMART.GIF/${'é'.repeat(1000)}`;
    const hit = makeHit({ userAgent, referer, requestPath, queryString: 'q=%E2%9C%93' });
    expect(await t.db.insertHits([toHitRow(hit)])).toBe(1);
    const [row] = await t.db.query<{ UserAgent: string; Referer: string; RequestPath: string }>(
      `SELECT ${['UserAgent', 'Referer', 'RequestPath'].map((c) => t.db.name(c)).join(', ')}
       FROM ${t.db.name('PiXL.Test')} WHERE ${t.db.name('HitId')} = $1`,
      [hit.hitId],
    );
    expect(row).toEqual({ UserAgent: userAgent, Referer: referer, RequestPath: requestPath });
  });

  it('lands backslashes, tabs, line breaks and quotes in every text column exactly (the COPY text format escapes them)', async () => {
    const nasty = 'a\\b\tc\nd\re "q" \\N \\. end';
    const hit = makeHit({
      // A repeated key: the raw query string is stored too, so its column is checked as well.
      queryString: `v=${encodeURIComponent(nasty)}&raw=${nasty}&raw=again`,
      userAgent: nasty,
      referer: nasty,
      headers: { 'User-Agent': nasty },
      ip: '',
    });
    expect(await t.db.insertHits([toHitRow(hit)])).toBe(1);
    const [row] = await t.db.query<Record<string, unknown>>(
      `SELECT ${['QueryString', 'UserAgent', 'Referer', 'IPAddress', 'HeadersJson', 'ParamsJson'].map((c) => t.db.name(c)).join(', ')} FROM ${t.db.name('PiXL.Test')} WHERE ${t.db.name('HitId')} = $1`,
      [hit.hitId],
    );
    const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    expect(row?.QueryString).toBe(hit.queryString);
    expect(row?.UserAgent).toBe(nasty);
    expect(row?.Referer).toBe(nasty);
    expect(row?.IPAddress).toBeNull();
    expect(json(row?.HeadersJson)).toEqual({ 'User-Agent': nasty });
    expect((json(row?.ParamsJson) as Record<string, string>).v).toBe(nasty);
  });

  it('computes the fingerprint hash the parse computes from ParamsJson for rows landed before the writer did', async () => {
    // Over 200 characters (the columns' length), an emoji across the cut; an empty value is not a missing one.
    const long = `${'é'.repeat(150)}${'\u{1F600}'.repeat(100)}`;
    const cases = [
      'canvasFP=c1&webglFP=w1&audioHash=a1',
      `canvasFP=${encodeURIComponent(long)}&webglFP=${encodeURIComponent('\u{1F600}'.repeat(250))}&audioHash=a`,
      'audioHash=',
      'webglFP=only',
      'sw=1',
    ];
    const pairs = cases.map((queryString, i) =>
      [0, 1].map(() => toHitRow(makeHit({ queryString, ip: `198.51.100.${100 + i}` }))),
    );
    await t.db.insertHits(pairs.map(([byWriter]) => byWriter as HitRow));
    await landReleasedHits(
      t.db,
      pairs.map(([, released]) => released as HitRow),
    );
    await etlUntilParsed(t.db);
    const q = (name: string) => t.db.name(name);
    const rows = await t.db.query<{ hitId: string; fp: Buffer | null }>(
      `SELECT ${t.db.engine === 'mssql' ? 'CAST(t.HitId AS CHAR(36))' : 't."HitId"::text'} AS ${q('hitId')}, s.${q('FpHash')} AS fp
       FROM ${q('ETL.SignalHit')} s JOIN ${q('PiXL.Test')} t ON t.${q('Id')} = s.${q('SourceId')}`,
    );
    const fpOf = new Map(
      rows.map((r) => [r.hitId.toLowerCase(), r.fp ? Buffer.from(r.fp).toString('hex') : null]),
    );
    for (const [i, [byWriter, released]] of pairs.entries()) {
      const computed = fpOf.get(String(released?.hitId).toLowerCase());
      expect({ case: cases[i], hash: fpOf.get(String(byWriter?.hitId).toLowerCase()) }).toEqual({
        case: cases[i],
        hash: computed,
      });
      expect(computed === null, cases[i]).toBe(i === cases.length - 1);
      if (byWriter?.fpHash) expect(byWriter.fpHash.toString('hex')).toBe(computed);
    }
  });
});

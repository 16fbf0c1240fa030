/**
 * Known bots and likely bots on every engine: the writer marks known crawler user agents, the parse carries the
 * mark and computes IsLikelyBot, and matching skips likely bots only for pixels whose Config.ExcludeBots is on.
 * Nothing is dropped. Also: with enrichment off the parse leaves the signal columns NULL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRanges } from '../src/enrich/ranges/refresh.js';
import { SIGNAL_DEFAULTS } from '../src/enrich/signals.js';
import { runEtlPass } from '../src/etl/runEtl.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { startRangeServer } from './support/rangeServer.js';

const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';

describe('known bots at write time', () => {
  it('marks crawler user agents and not browsers (isbot)', () => {
    expect(toHitRow(makeHit({ userAgent: BINGBOT })).isKnownBot).toBe(true);
    expect(toHitRow(makeHit({ userAgent: 'curl/8.5.0' })).isKnownBot).toBe(true);
    expect(toHitRow(makeHit({ userAgent: BROWSER })).isKnownBot).toBe(false);
    expect(toHitRow(makeHit({ userAgent: '' })).isKnownBot).toBe(false);
  });
});

interface Visit {
  label: string;
  pixel: string;
  ua: string;
  email: string;
  extra?: string;
  ip?: string;
}

// Pixel 1: ExcludeBots off (the seeded Config row). Pixel 9: ExcludeBots on.
const VISITS: Visit[] = [
  { label: 'crawlerExcluded', pixel: '9', ua: BINGBOT, email: 'crawler9@example.com' },
  { label: 'scoreExcluded', pixel: '9', ua: BROWSER, email: 'score9@example.com', extra: '&botScore=40' },
  { label: 'human9', pixel: '9', ua: BROWSER, email: 'human9@example.com' },
  { label: 'crawlerKept', pixel: '1', ua: BINGBOT, email: 'crawler1@example.com' },
  { label: 'human1', pixel: '1', ua: BROWSER, email: 'human1@example.com' },
  // AWS addresses seen for the first time: not likely-bot at parse time (PiXL.IP not yet classified), but the
  // classify step runs before the match step, which reads PiXL.IP.IsDatacenter as it is then.
  { label: 'datacenterExcluded', pixel: '9', ua: BROWSER, email: 'dc9@example.com', ip: '3.5.141.7' },
  { label: 'datacenterKept', pixel: '1', ua: BROWSER, email: 'dc1@example.com', ip: '2600:1f18::1' },
];

describe.each(enginesUnderTest())('bots and matching on $name', (engine) => {
  let t: TestDatabase;
  const sql = (text: string) => text.replace(/\{([\w.]+)\}/g, (_, n: string) => t.db.name(n));

  async function passUntilParsed(expected: number, enrich: boolean): Promise<void> {
    // Other test files share the server: repeat until no older transaction holds the parse horizon back.
    const deadline = Date.now() + 30_000;
    for (;;) {
      await runEtlPass(t.db, {
        batchSize: 100,
        timeBudgetMs: 30_000,
        matchBatchSize: 100,
        signals: { ...SIGNAL_DEFAULTS, Enrich: enrich },
      });
      const [n] = await t.db.query(sql('SELECT COUNT(*) AS n FROM {PiXL.Parsed}'));
      if (Number(n?.n) >= expected || Date.now() > deadline) return;
    }
  }

  beforeAll(async () => {
    t = await engine.create();
    const ranges = await startRangeServer();
    try {
      await refreshRanges(t.db, {
        providers: ['aws'],
        urls: ranges.urls(),
        schedule: '0 30 3 * * *',
        timeoutMs: 10_000,
        maxBytes: 5_000_000,
        minKeepRatio: 0.5,
      });
    } finally {
      await ranges.close();
    }
    await t.db.query(
      sql(
        "INSERT INTO {PiXL.Pixel} ({CompanyID}, {PiXLID}, {PixelName}) VALUES ('12800', '9', 'Bots excluded')",
      ),
    );
    await t.db.query(
      sql("INSERT INTO {PiXL.Config} ({CompanyID}, {PiXLID}, {ExcludeBots}) VALUES ('12800', '9', $1)"),
      [true],
    );
    const at = Date.parse('2026-03-01T08:00:00.000Z');
    await t.db.insertHits(
      VISITS.map((v, i) =>
        toHitRow(
          makeHit({
            pixelId: v.pixel,
            userAgent: v.ua,
            ip: v.ip ?? `203.0.113.${10 + i * 10}`,
            queryString: `sw=1&_cp_email=${encodeURIComponent(v.email)}${v.extra ?? ''}`,
            receivedAt: new Date(at + i * 60_000).toISOString(),
          }),
        ),
      ),
    );
    await passUntilParsed(VISITS.length, true);
  }, 60_000);

  afterAll(async () => {
    await t?.drop();
  });

  it('carries IsKnownBot into PiXL.Parsed and sets IsLikelyBot; every hit keeps its Parsed row and visit', async () => {
    const rows = await t.db.query(
      sql('SELECT {PiXLID}, {IsKnownBot}, {IsLikelyBot}, {BotScore} FROM {PiXL.Parsed} ORDER BY {SourceId}'),
    );
    expect(rows.map((r) => [r.PiXLID, Boolean(r.IsKnownBot), Boolean(r.IsLikelyBot)])).toEqual([
      ['9', true, true],
      ['9', false, true],
      ['9', false, false],
      ['1', true, true],
      ['1', false, false],
      ['9', false, false],
      ['1', false, false],
    ]);
    const [visits] = await t.db.query(sql('SELECT COUNT(*) AS n FROM {PiXL.Visit}'));
    expect(Number(visits?.n)).toBe(VISITS.length);
  });

  it('matches likely bots only where the pixel does not exclude them', async () => {
    const matches = await t.db.query<{ MatchKey: string }>(
      sql("SELECT {MatchKey} FROM {PiXL.Match} WHERE {MatchType} = 'email' ORDER BY {MatchKey}"),
    );
    expect(matches.map((m) => m.MatchKey)).toEqual([
      'crawler1@example.com',
      'dc1@example.com',
      'human1@example.com',
      'human9@example.com',
    ]);
    // The skipped visits were still processed: the match watermark passed them.
    const [w] = await t.db.query(sql('SELECT {RowsProcessed} AS n FROM {ETL.MatchWatermark}'));
    expect(Number(w?.n)).toBe(VISITS.length);
  });

  it('with enrichment off leaves the signals and IsLikelyBot NULL and keeps no look-back', async () => {
    const before = await t.db.query(sql('SELECT COUNT(*) AS n FROM {ETL.SignalHit}'));
    await t.db.insertHits([
      toHitRow(makeHit({ userAgent: BINGBOT, ip: '203.0.113.99', queryString: 'botScore=99' })),
    ]);
    await passUntilParsed(VISITS.length + 1, false);
    const [row] = await t.db.query(
      sql(`SELECT {IsKnownBot}, {IsLikelyBot}, {Srv_HitsIn15s}, {Srv_LastGapMs}, {Srv_SubnetIps}, {Srv_FpDistinct}
        FROM {PiXL.Parsed} WHERE {IPAddress} = '203.0.113.99'`),
    );
    expect(row).toBeDefined();
    expect({ ...row, IsKnownBot: Boolean(row?.IsKnownBot) }).toEqual({
      IsKnownBot: true,
      IsLikelyBot: null,
      Srv_HitsIn15s: null,
      Srv_LastGapMs: null,
      Srv_SubnetIps: null,
      Srv_FpDistinct: null,
    });
    const after = await t.db.query(sql('SELECT COUNT(*) AS n FROM {ETL.SignalHit}'));
    expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
  });
});

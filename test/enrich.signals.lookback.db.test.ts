/**
 * An address with more hits in a window than the look-back read holds, but too few in a batch for a run, on
 * every engine: its hits take the distinct count, the previous hit and each window's first row from one read of
 * their latest 32 rows (scripts/sqlgen/postgresSignals.ts lookBack), and seek a window's first row only where
 * that read does not reach the window's start. 40 hits 2 s apart, parsed 10 at a time: the 15 s window lies
 * within the read, the 5 min and 24 h windows do not once the address has more than 32 hits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { landAndParseSignals } from './support/parseBatch.js';

const T0 = Date.parse('2026-05-01T08:00:00.000Z');
const HITS = 40;
const GAP_MS = 2000;
const BATCH = 10;

describe.each(enginesUnderTest())('signals of a busy address outside a run on $name', (engine) => {
  let t: TestDatabase;
  const hitIds: string[] = [];
  let parsed = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    t = await engine.create();
    const hits = Array.from({ length: HITS }, (_, i) =>
      makeHit({
        ip: '203.0.113.50',
        queryString: 'sw=1920',
        receivedAt: new Date(T0 + i * GAP_MS).toISOString(),
      }),
    );
    for (const hit of hits) hitIds.push(hit.hitId);
    parsed = await landAndParseSignals(t.db, hits, BATCH, [
      'Srv_FpObservations',
      'Srv_FpHitsIn5m',
      'Srv_HitsIn15s',
      'Srv_LastGapMs',
    ]);
  }, 120_000);

  afterAll(async () => {
    await t?.drop();
  });

  it('parses every hit', () => {
    expect(parsed.size).toBe(HITS);
  });

  it('counts every window and the gap of each hit, also beyond the 32 hits the read holds', () => {
    const actual = hitIds.map((id) => {
      const row = parsed.get(id);
      return ['Srv_FpObservations', 'Srv_FpHitsIn5m', 'Srv_HitsIn15s', 'Srv_LastGapMs'].map((c) =>
        Number(row?.[c]),
      );
    });
    // The k-th hit (from 1) has k hits in 24 h and in 5 min, those of the last 14 s in 15 s.
    const expected = hitIds.map((_, i) => [i + 1, i + 1, Math.min(i + 1, 8), i === 0 ? -1 : GAP_MS]);
    expect(actual).toEqual(expected);
  });
});

/**
 * Hits that land after later hits of their address and /24 were parsed are still counted right, on every
 * engine. The numbering looks a key's last stored row up once per batch when every stored row stands before the
 * key's batch rows, and per row when one does not (scripts/sqlgen/postgresSignals.ts numberBatch); a late row
 * numbered from its key's last row would count every stored row, later ones included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { landAndParseSignals } from './support/parseBatch.js';

const T0 = Date.parse('2026-04-01T08:00:00.000Z');
const S = 1000;

/** Address A and address B of one /24; the first two hits are parsed before the other three land. */
const FIRST = [
  { label: 'a0', ip: '198.51.100.1', at: T0 },
  { label: 'a20', ip: '198.51.100.1', at: T0 + 20 * S },
];
const LATER = [
  { label: 'b5', ip: '198.51.100.2', at: T0 + 5 * S },
  { label: 'a10', ip: '198.51.100.1', at: T0 + 10 * S },
  { label: 'a30', ip: '198.51.100.1', at: T0 + 30 * S },
];

describe.each(enginesUnderTest())('signals of hits landed out of order on $name', (engine) => {
  let t: TestDatabase;
  const ids = new Map<string, string>();
  const parsed = new Map<string, Record<string, unknown>>();

  async function landAndParse(specs: typeof FIRST): Promise<void> {
    const hits = specs.map((h) => {
      const hit = makeHit({ ip: h.ip, queryString: 'sw=1920', receivedAt: new Date(h.at).toISOString() });
      ids.set(h.label, hit.hitId);
      return hit;
    });
    const rows = await landAndParseSignals(t.db, hits, 100, [
      'Srv_FpObservations',
      'Srv_SubnetHits',
      'Srv_LastGapMs',
    ]);
    for (const [label, hitId] of ids) {
      const row = rows.get(hitId);
      if (row) parsed.set(label, row);
    }
  }

  beforeAll(async () => {
    t = await engine.create();
    await landAndParse(FIRST);
    await landAndParse(LATER);
  }, 120_000);

  afterAll(async () => {
    await t?.drop();
  });

  const value = (label: string, column: string) => Number(parsed.get(label)?.[column]);

  it('parses every hit', () => {
    expect([...parsed.keys()].sort()).toEqual(['a0', 'a10', 'a20', 'a30', 'b5']);
  });

  it("counts a late hit's address and /24 from the hits before it, not from the last one stored", () => {
    // Address A up to each hit: a0, a10, a20, a30 in time order.
    expect(value('a10', 'Srv_FpObservations')).toBe(2);
    expect(value('a10', 'Srv_LastGapMs')).toBe(10_000);
    expect(value('a30', 'Srv_FpObservations')).toBe(4);
    // The /24 up to each hit: a0, b5, a10, a20, a30.
    expect(value('b5', 'Srv_SubnetHits')).toBe(2);
    expect(value('a10', 'Srv_SubnetHits')).toBe(3);
    expect(value('a30', 'Srv_SubnetHits')).toBe(5);
  });

  it('counts the hits parsed first as they stood', () => {
    expect(value('a0', 'Srv_FpObservations')).toBe(1);
    expect(value('a20', 'Srv_FpObservations')).toBe(2);
    expect(value('a20', 'Srv_SubnetHits')).toBe(2);
  });
});

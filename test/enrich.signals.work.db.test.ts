/**
 * The signals' work per hit does not grow with the traffic of the hit's address: counted inside PostgreSQL
 * (index entries and buffers ETL.SignalHit served, from the statistics counters), not timed. A flood from one
 * address reads the same per hit whether the address already had 600 or 1,800 hits in the window (reading the
 * window, as the parse once did, grows with it), and no more than traffic spread over many addresses and /24s
 * (the distinct counts read each key's rows once per batch, scripts/sqlgen/postgresSignals.ts
 * distinctOverRuns). And each hit's PiXL.IP row is looked up by key even when the table's statistics invite
 * joining all of it. PostgreSQL only: the counters are its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { parseCount } from './support/parseBatch.js';

const BATCH = 200;
const MEASURED = 600;
const IP_HITS = 2000;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const postgres = enginesUnderTest().filter((e) => e.name === 'postgres');

interface Work {
  entries: number;
  buffers: number;
  /** Scans of the per-address index (IX_SignalHit_IP). */
  addressSeeks: number;
}

describe.each(postgres)('work of the signals per hit on $name', (engine) => {
  let t: TestDatabase;
  let parser: PostgresWarehouse;
  let next = 0;

  beforeAll(async () => {
    t = await engine.create();
    parser = new PostgresWarehouse(t.connectionString, 1);
    // A vacuum between two phases would spare the later one its heap visits and skew the comparison.
    await t.db.query('ALTER TABLE "ETL"."SignalHit" SET (autovacuum_enabled = false)');
  });
  afterAll(async () => {
    await parser?.close();
    await t?.drop();
  });

  async function counters(): Promise<Work> {
    const [row] = await t.db.query<{ entries: string; buffers: string; seeks: string }>(`
      SELECT (SELECT COALESCE(sum(idx_tup_read), 0) FROM pg_stat_user_indexes
          WHERE relid = '"ETL"."SignalHit"'::regclass) AS entries,
        (SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelid = '"ETL"."IX_SignalHit_IP"'::regclass) AS seeks,
        (SELECT heap_blks_hit + heap_blks_read + COALESCE(idx_blks_hit, 0) + COALESCE(idx_blks_read, 0)
          FROM pg_statio_user_tables WHERE relid = '"ETL"."SignalHit"'::regclass) AS buffers`);
    return { entries: Number(row?.entries), buffers: Number(row?.buffers), addressSeeks: Number(row?.seeks) };
  }

  /** Lands hits 100 ms apart from the addresses given, parses them, and returns the work per hit. */
  async function landAndParse(ips: (i: number) => string, count: number): Promise<Work> {
    const rows = Array.from({ length: count }, () => {
      const i = next++;
      return toHitRow(
        makeHit({
          ip: ips(i),
          queryString: `canvasFP=c${i % 7}&webglFP=w&audioHash=a&sw=1920`,
          receivedAt: new Date(T0 + i * 100).toISOString(),
        }),
      );
    });
    for (let i = 0; i < rows.length; i += 500) await t.db.insertHits(rows.slice(i, i + 500));
    const before = await counters();
    await parseCount(parser, count, BATCH);
    // The backend reports its counters when idle, at most once a second, unless told to now.
    await parser.query('SELECT pg_stat_force_next_flush()');
    let after = await counters();
    for (let tries = 0; tries < 50 && after.entries === before.entries; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await counters();
    }
    return {
      entries: (after.entries - before.entries) / count,
      buffers: (after.buffers - before.buffers) / count,
      addressSeeks: (after.addressSeeks - before.addressSeeks) / count,
    };
  }

  it('reads no more per hit for a flood from one address than for spread traffic, however long the flood', async () => {
    // Spread: every hit from its own address in its own /24, new addresses, then the same ones returning.
    const spreadIp = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.9`;
    const spread = await landAndParse(spreadIp, MEASURED);
    const returning = await landAndParse((i) => spreadIp(i - MEASURED), MEASURED);
    const flood = () => '198.51.100.7';
    await landAndParse(flood, 600);
    const early = await landAndParse(flood, MEASURED);
    await landAndParse(flood, 600);
    const late = await landAndParse(flood, MEASURED);
    const report = JSON.stringify({ spread, returning, early, late });
    // Reading the window would read ~1,000 and then ~2,000 entries per hit here.
    expect(late.entries, report).toBeLessThanOrEqual(early.entries * 1.1);
    expect(late.buffers, report).toBeLessThanOrEqual(early.buffers * 1.1);
    // Measured: 4.4 entries and 17 buffers per flood hit; 8 and 30 per hit of returning addresses. A hit from
    // an address never seen before reads its own row only (1 entry, 13 buffers): nothing is up to it but itself.
    expect(late.entries, report).toBeLessThanOrEqual(returning.entries);
    expect(late.buffers, report).toBeLessThanOrEqual(returning.buffers);
    // The numbering seeks an address's previous row only when its /24 has one (scripts/sqlgen/postgresSignals.ts
    // numberBatch), and the parse only for an address seen before: a new /24's hit costs no address seek.
    expect(spread.addressSeeks, report).toBe(0);
    expect(returning.addressSeeks, report).toBeGreaterThanOrEqual(1);
    // A flood hit: at most the parse's three seeks of its address (hits in 24 h, 15 s and 5 min; the distinct
    // count and the previous hit come from one read of the address's rows a batch, two scans), and the
    // numbering's one per address and batch, not per hit. Measured 1.035: this flood is younger than the 24 h
    // and 5 min windows, so its batch hits share their starts (two seeks per window and batch).
    expect(late.addressSeeks, report).toBeLessThanOrEqual(3 + 3 / BATCH);
  }, 120_000);

  it("looks each hit's address up in PiXL.IP by key, whatever the table's statistics say", async () => {
    // Statistics taken while PiXL.IP held one row, then 5,000 more rows: a plan trusting them joined the whole
    // table into the batch's 2,000 hits, each against every row (scripts/sqlgen/postgresSignals.ts signalJoins);
    // the batch's own statistics are fresh, as after an analyze between landing and parsing.
    await parser.query('ALTER TABLE "PiXL"."IP" SET (autovacuum_enabled = false)');
    await parser.query(`INSERT INTO "PiXL"."IP" ("IPAddress", "FirstSeen", "LastSeen", "HitCount")
      VALUES ('10.250.0.1', now(), now(), 1)`);
    await parser.query('ANALYZE "PiXL"."IP"');
    await parser.query(`INSERT INTO "PiXL"."IP" ("IPAddress", "FirstSeen", "LastSeen", "HitCount")
      SELECT '10.251.' || (i >> 8) || '.' || (i & 255), now(), now(), 1 FROM generate_series(0, 4999) i`);
    const rows = Array.from({ length: IP_HITS }, (_, i) =>
      toHitRow(
        makeHit({
          ip: `10.251.${(i >> 8) & 15}.${i & 255}`,
          queryString: 'sw=1920',
          receivedAt: new Date(T0 + 86_400_000 + i * 100).toISOString(),
        }),
      ),
    );
    await parser.insertHits(rows);
    await parser.query('ANALYZE "PiXL"."Test"');
    const lookups = async () => {
      const [row] = await t.db.query<{ n: string }>(`SELECT idx_scan AS n FROM pg_stat_user_indexes
        WHERE relid = '"PiXL"."IP"'::regclass AND indexrelname = 'IP_IPAddress_key'`);
      return Number(row?.n);
    };
    // The backend that wrote them reports its counters now, so the count below is the parse's alone.
    await parser.query('SELECT pg_stat_force_next_flush()');
    const before = await lookups();
    // All of them in one batch: they landed in one transaction, which the parse takes whole once no other file's
    // older transaction holds its horizon back.
    expect(await parseCount(parser, IP_HITS, IP_HITS)).toBe(IP_HITS);
    await parser.query('SELECT pg_stat_force_next_flush()');
    let perHit = 0;
    for (let tries = 0; tries < 50 && perHit === 0; tries++) {
      perHit = ((await lookups()) - before) / IP_HITS;
      if (perHit === 0) await new Promise((r) => setTimeout(r, 100));
    }
    // Two scans of the address index a hit: the lookup, and the upsert's conflict check. With the whole-table
    // join the lookups were one scan for the batch (measured 1.0015 a hit).
    expect(perHit).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

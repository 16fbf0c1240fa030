/**
 * Parse lanes (src/etl/lanes.ts) on the real engine: two lanes running at once parse every raw row exactly once,
 * also when a row's Id commits after higher ones; a network's hits are numbered by one lane, the parse takes
 * only numbered rows and splits them by Id; and the behaviour signals computed by two lanes in small batches
 * equal the model's (test/support/signalModel.ts), as one lane's do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isbot } from 'isbot';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedHit } from '../src/capture/hit.js';
import type { Row } from '../src/db/types.js';
import { SIGNAL_DEFAULTS } from '../src/enrich/signals.js';
import { runParse } from '../src/etl/lanes.js';
import { numberOf, PROCEDURES } from '../src/etl/procedures.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { expectedSignals, type ModelHit, type ModelSignals } from './support/signalModel.js';
import { openSession } from './support/writerSession.js';

const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const S = 1000;

/** The network a lane owns a hit by: the IPv4 /24, else the whole address. */
const networkOf = (ip: string) => (/^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip.slice(0, ip.lastIndexOf('.')) : ip);

/** Hits over 24 IPv4 /24 networks and 4 IPv6 addresses, in time order. */
function spreadHits(n: number, from = T0): CapturedHit[] {
  return Array.from({ length: n }, (_, i) =>
    makeHit({
      ip: i % 7 === 6 ? `2001:db8::${i % 4}` : `198.51.${i % 24}.${1 + (i % 5)}`,
      queryString: `sw=${1000 + i}&canvasFP=c${i % 3}&webglFP=w&audioHash=a`,
      receivedAt: new Date(from + i * 700).toISOString(),
    }),
  );
}

describe.each(enginesUnderTest())('parse lanes on $name', (engine) => {
  let t: TestDatabase;
  const sql = (text: string) => text.replace(/\{([\w.]+)\}/g, (_, n: string) => t.db.name(n));

  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const emptyWarehouse = () =>
    t.db.query(
      sql(`DELETE FROM {PiXL.Visit}; DELETE FROM {PiXL.Parsed}; DELETE FROM {PiXL.Device}; DELETE FROM {PiXL.IP};
        DELETE FROM {ETL.SignalHit}; DELETE FROM {PiXL.Test}`),
    );

  /** Every batch of every lane, run at once, repeated until `count` rows are parsed (other files share the server). */
  async function parseWithLanes(lanes: number, batchSize: number, count: number, args = {}): Promise<Row[]> {
    const rows: Row[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const outcome = await runParse(t.db, { ...args, BatchSize: batchSize }, lanes, Date.now() + 30_000);
      rows.push(...outcome.rows);
      if ((await parsedIds()).length >= count) break;
    }
    return rows;
  }

  async function parsedIds(): Promise<number[]> {
    const rows = await t.db.query(sql('SELECT {SourceId} AS id FROM {PiXL.Parsed}'));
    return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
  }

  async function testIds(): Promise<{ id: number; hitId: string; ip: string }[]> {
    const rows = await t.db.query(sql('SELECT {Id} AS id, {HitId} AS h, {IPAddress} AS ip FROM {PiXL.Test}'));
    return rows
      .map((r) => ({ id: Number(r.id), hitId: String(r.h).toLowerCase(), ip: String(r.ip) }))
      .sort((a, b) => a.id - b.id);
  }

  const sumParsed = (rows: Row[]) => rows.reduce((n, r) => n + (numberOf(r.RowsParsed) ?? 0), 0);

  it('parses every row exactly once with two lanes at once, also a row whose Id committed after higher ones', async () => {
    await emptyWarehouse();
    const early = spreadHits(40);
    await t.db.insertHits(early.map(toHitRow));
    const session = await openSession(engine.name, t.connectionString);
    const slow = makeHit({
      ip: '198.51.3.9',
      queryString: 'sw=1',
      receivedAt: new Date(T0 + 50 * S).toISOString(),
    });
    let calls: Row[] = [];
    try {
      await session.begin();
      await session.insertHit(toHitRow(slow));
      const late = spreadHits(30, T0 + 60 * S);
      await t.db.insertHits(late.map(toHitRow));
      calls = await parseWithLanes(2, 7, early.length);
      // Rows committed after the open one wait behind it: whatever lane they are in, none moves past it.
      const before = await parsedIds();
      const ids = await testIds();
      expect(before).toEqual(ids.slice(0, early.length).map((r) => r.id));
      await session.commit();
    } finally {
      await session.close();
    }
    const all = await testIds();
    expect(all).toHaveLength(71);
    calls.push(...(await parseWithLanes(2, 7, all.length)));
    expect(await parsedIds()).toEqual(all.map((r) => r.id));
    // Each row was taken by one batch of one lane: the batches' row counts add up to the rows.
    expect(sumParsed(calls)).toBe(all.length);
    const [visits] = await t.db.query(sql('SELECT COUNT(*) AS n FROM {PiXL.Visit}'));
    expect(Number(visits?.n)).toBe(all.length);
    // Device counts were added once per hit, whichever lane upserted the shared device rows.
    const [devices] = await t.db.query(sql('SELECT SUM({HitCount}) AS n FROM {PiXL.Device}'));
    const [withDevice] = await t.db.query(
      sql('SELECT COUNT(*) AS n FROM {PiXL.Visit} WHERE {DeviceId} IS NOT NULL'),
    );
    expect(Number(withDevice?.n)).toBe(all.length - 1);
    expect(Number(devices?.n)).toBe(all.length - 1);
  });

  /** Calls one lane of `procedure` alone until it has taken something and then reports two empty batches in a row. */
  async function drainLane(
    procedure: string,
    rowsColumn: string,
    lane: number,
    lanes: number,
  ): Promise<number> {
    let taken = 0;
    let empty = 0;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (taken === 0 || empty < 2)) {
      const row = await t.db.callProcedure(procedure, { BatchSize: 10, Lane: lane, Lanes: lanes });
      const n = numberOf(row?.[rowsColumn]) ?? 0;
      taken += n;
      empty = n === 0 ? empty + 1 : 0;
    }
    return taken;
  }

  // PostgreSQL only: the test cuts a lane's connection with pg_terminate_backend (SQL Server would use KILL).
  it.runIf(engine.name === 'postgres')(
    "repeats a lane's batch whose connection was cut mid-parse, and parses every row once",
    async () => {
      await emptyWarehouse();
      const hits = spreadHits(60);
      await t.db.insertHits(hits.map(toHitRow));
      // A transaction that blocks inserts into PiXL.Parsed holds both lanes inside their batch.
      const blocker = new pg.Client({ connectionString: t.connectionString });
      await blocker.connect();
      let terminated = 0;
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE "PiXL"."Parsed" IN SHARE ROW EXCLUSIVE MODE');
        const pass = runParse(t.db, { BatchSize: 1000 }, 2, Date.now() + 30_000);
        for (let i = 0; i < 200 && terminated === 0; i++) {
          await sleep(50);
          const [row] = await t.db.query(`SELECT count(pg_terminate_backend(a.pid)) AS n FROM (
              SELECT pid FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%usp_ParseNewHits%'
              LIMIT 1) a`);
          terminated = Number(row?.n ?? 0);
        }
        await blocker.query('COMMIT');
        // Without the retry the pass fails with the cut connection's error.
        const outcome = await pass;
        expect(terminated).toBe(1);
        // The repeat can find the cut backend still holding its buckets' locks (they go when it has exited)
        // and then leaves them to the next pass, as it would for any other caller holding them.
        const rows = [...outcome.rows, ...(await parseWithLanes(2, 1000, hits.length))];
        // The cut batch left nothing behind: the batches that committed took every row once.
        expect(sumParsed(rows)).toBe(hits.length);
      } finally {
        await blocker.end();
      }
      expect(await parsedIds()).toEqual((await testIds()).map((r) => r.id));
    },
  );

  it("numbers each network's hits in one lane, parses only numbered rows, and splits the parse by Id", async () => {
    await emptyWarehouse();
    // One insert, one transaction: every row becomes visible at the same moment. 13 networks: consecutive Ids
    // of one network have both parities, so a network's hits fall in both parse lanes.
    const hits = spreadHits(91).map((h, i) => ({ ...h, ip: `198.51.${i % 13}.${1 + (i % 5)}` }));
    await t.db.insertHits(hits.map(toHitRow));
    const all = await testIds();
    const numberedIds = async () =>
      new Set(
        (await t.db.query(sql('SELECT {SourceId} AS id FROM {ETL.SignalHit}'))).map((r) => Number(r.id)),
      );
    const first = await drainLane(PROCEDURES.numberSignals, 'RowsNumbered', 0, 2);
    const numbered = await numberedIds();
    expect(numbered.size).toBe(first);
    const byNetwork = new Map<string, boolean[]>();
    for (const r of all)
      byNetwork.set(networkOf(r.ip), [...(byNetwork.get(networkOf(r.ip)) ?? []), numbered.has(r.id)]);
    expect(byNetwork.size).toBe(13);
    for (const [network, taken] of byNetwork)
      expect({ network, taken: new Set(taken).size }).toEqual({ network, taken: 1 });
    // Both lanes have work: with 13 networks over 16 buckets, one lane holding them all would mean a broken hash.
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(all.length);
    // Some networks are numbered: the parse waits for the rest.
    const parseLane = (lane: number) =>
      t.db.callProcedure(PROCEDURES.parse, { BatchSize: 100, Lane: lane, Lanes: 2 });
    expect(numberOf((await parseLane(0))?.RowsParsed)).toBe(0);
    expect(await parsedIds()).toEqual([]);
    expect(await drainLane(PROCEDURES.numberSignals, 'RowsNumbered', 1, 2)).toBe(all.length - first);
    // Now each parse lane takes its Ids, from every network: consecutive rows alternate between the lanes.
    const lane0 = numberOf((await parseLane(0))?.RowsParsed) ?? 0;
    const parsed = await parsedIds();
    expect(parsed).toHaveLength(lane0);
    expect(parsed).toEqual(all.filter((r) => (r.id & 15) % 2 === 0).map((r) => r.id));
    // A network's hits are no longer one lane's: some networks have hits in both.
    const split = [...byNetwork.keys()].filter((n) => {
      const taken = all.filter((r) => networkOf(r.ip) === n).map((r) => parsed.includes(r.id));
      return taken.includes(true) && taken.includes(false);
    });
    expect(split.length).toBeGreaterThan(0);
    expect(numberOf((await parseLane(1))?.RowsParsed)).toBe(all.length - lane0);
    expect(await parsedIds()).toEqual(all.map((r) => r.id));
  });

  it('takes each row once when the lane count changes while its buckets stand at different positions', async () => {
    await emptyWarehouse();
    await t.db.insertHits(spreadHits(64).map(toHitRow));
    const all = await testIds();
    // Lane 0 of two numbers its networks; then one caller takes all 16 buckets, half of them ahead.
    const numberedFirst = await drainLane(PROCEDURES.numberSignals, 'RowsNumbered', 0, 2);
    expect(numberedFirst).toBeGreaterThan(0);
    expect(numberedFirst).toBeLessThan(all.length);
    expect(await drainLane(PROCEDURES.numberSignals, 'RowsNumbered', 0, 1)).toBe(all.length - numberedFirst);
    // The same for the parse: lane 0 of two takes the even buckets, then one lane takes only what is left.
    const parsedFirst = await drainLane(PROCEDURES.parse, 'RowsParsed', 0, 2);
    expect(parsedFirst).toBe(all.filter((r) => (r.id & 15) % 2 === 0).length);
    expect(await drainLane(PROCEDURES.parse, 'RowsParsed', 0, 1)).toBe(all.length - parsedFirst);
    expect(await parsedIds()).toEqual(all.map((r) => r.id));
  });

  it('keeps the look-back the parse still needs when the numbering runs ahead of it, and prunes it after', async () => {
    await emptyWarehouse();
    // Two hits of one address 5 s apart, and a hit 30 h later: past the longest window and its slack (25 h), so
    // a pruning bounded only by the newest row would drop the first two before they are parsed.
    const hits = [0, 5 * S, 30 * 3600 * S].map((offset, i) =>
      makeHit({
        ip: i < 2 ? '192.0.2.10' : '192.0.2.20',
        queryString: 'canvasFP=c&webglFP=w&audioHash=a',
        receivedAt: new Date(T0 + offset).toISOString(),
      }),
    );
    await t.db.insertHits(hits.map(toHitRow));
    const signalRows = async () =>
      Number((await t.db.query(sql('SELECT COUNT(*) AS n FROM {ETL.SignalHit}')))[0]?.n);
    expect(await drainLane(PROCEDURES.numberSignals, 'RowsNumbered', 0, 1)).toBe(3);
    expect(await signalRows()).toBe(3);
    await parseWithLanes(1, 10, 3);
    const ids = await testIds();
    const second = ids.find((r) => r.hitId === hits[1]?.hitId.toLowerCase())?.id;
    const [row] = await t.db.query(
      sql('SELECT {Srv_HitsIn15s} AS n FROM {PiXL.Parsed} WHERE {SourceId} = $1'),
      [second],
    );
    expect(Number(row?.n)).toBe(2);
    // Once the parse has taken them, the next numbering call drops them.
    await t.db.callProcedure(PROCEDURES.numberSignals, { BatchSize: 10 });
    expect(await signalRows()).toBe(1);
  });

  it('computes the behaviour signals with two lanes in small batches as the model states them', async () => {
    await emptyWarehouse();
    // Bursts within one /24 and one address (rapid fire, subnet alerts, fingerprint counts), beside other networks.
    const specs: { ip: string; at: number; fp: string }[] = [];
    for (let i = 0; i < 90; i++) {
      const ip =
        i % 3 === 0
          ? `203.0.113.${1 + (i % 4)}`
          : i % 3 === 1
            ? '192.0.2.77'
            : i % 9 === 2
              ? '2001:db8::5'
              : `198.51.${i % 11}.7`;
      specs.push({ ip, at: T0 + i * 2500 + (i % 2) * 400, fp: `c${i % 5}` });
    }
    specs.sort((a, b) => a.at - b.at);
    const hits = specs.map((s) =>
      makeHit({
        ip: s.ip,
        queryString: `canvasFP=${s.fp}&webglFP=w&audioHash=a`,
        receivedAt: new Date(s.at).toISOString(),
      }),
    );
    // Landed in time order, a few per transaction, so Ids follow ReceivedAt as the model assumes.
    for (let i = 0; i < hits.length; i += 5) await t.db.insertHits(hits.slice(i, i + 5).map(toHitRow));
    await parseWithLanes(2, 4, hits.length, { ...SIGNAL_DEFAULTS });
    const ids = await testIds();
    const model: ModelHit[] = hits.map((h, i) => ({
      id: ids.find((r) => r.hitId === h.hitId)?.id as number,
      ip: specs[i]?.ip ?? null,
      at: specs[i]?.at as number,
      fingerprint: `${specs[i]?.fp}|w|a`,
      knownBot: isbot(h.userAgent),
      datacenter: false,
      botScore: null,
      botScoreThreshold: 10,
    }));
    const columns = Object.keys(expectedSignals(model, model[0] as ModelHit, SIGNAL_DEFAULTS));
    const rows = await t.db.query(
      sql(`SELECT {SourceId}, ${columns.map((c) => `{${c}}`).join(', ')} FROM {PiXL.Parsed}`),
    );
    expect(rows).toHaveLength(hits.length);
    const norm = (v: unknown) =>
      v === null || v === undefined ? null : typeof v === 'boolean' ? v : Number(v);
    for (const m of model) {
      const row = rows.find((r) => Number(r.SourceId) === m.id) ?? {};
      const actual = Object.fromEntries(columns.map((c) => [c, norm(row[c])])) as unknown as ModelSignals;
      expect({ id: m.id, ...actual }).toEqual({ id: m.id, ...expectedSignals(model, m, SIGNAL_DEFAULTS) });
    }
    // The flood's address and its /24 did raise flags, so the comparison covered more than zeros.
    expect(rows.some((r) => norm(r.Srv_RapidFire) === true)).toBe(true);
    expect(rows.some((r) => norm(r.Srv_SubnetAlert) === true)).toBe(true);
  });
});

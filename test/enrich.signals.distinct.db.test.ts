/**
 * The two distinct counts (Srv_FpDistinct per address, Srv_SubnetIps per /24) on every engine, hit by hit,
 * against their definition (docs/ARCHITECTURE.md "Enrichment"): distinct values among the key's latest
 * DISTINCT_LOOKBACK_HITS hits up to the hit, within the window, of the hits stored when its batch was parsed.
 * The parse computes them from one ordered read per batch of each key with DISTINCT_RUN_MIN_HITS hits in it,
 * and per hit for the other keys, where the window cuts the latest hits, or where the read did not reach the
 * hit. This traffic takes every path: one address with most of the hits and more than 32 values repeating at
 * every distance, addresses with a few hits, gaps longer than both windows, hits without a fingerprint, and
 * hits landed after later hits of their address were parsed. Srv_LastGapMs too: it comes from the same read
 * for a hit in one, else from a seek of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTINCT_RUN_MIN_HITS, SHARED_START_MIN_HITS } from '../scripts/sqlgen/postgresSignals.js';
import { DISTINCT_LOOKBACK_HITS, SIGNAL_DEFAULTS } from '../src/enrich/signals.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { parseBatch } from './support/parseBatch.js';

const T0 = Date.parse('2026-04-01T08:00:00.000Z');
const SETTINGS = { ...SIGNAL_DEFAULTS, FpWindowSec: 600 };
/** Batches in which the busiest address and its /24 have DISTINCT_RUN_MIN_HITS hits or more, the others fewer. */
const BATCH = 40;
const GROUPS = 4;
/** The hit counts of a window: the hit's running count minus the window's first row's, plus one. */
const WINDOW_COUNTS = [
  { column: 'Srv_FpObservations', key: 'ip', windowSec: SETTINGS.FpWindowSec },
  { column: 'Srv_HitsIn15s', key: 'ip', windowSec: SETTINGS.RapidWindowSec },
  { column: 'Srv_FpHitsIn5m', key: 'ip', windowSec: SETTINGS.FpRateWindowSec },
  { column: 'Srv_SubnetHits', key: 'subnet', windowSec: SETTINGS.SubnetWindowSec },
] as const;

interface Spec {
  ip: string;
  at: number;
  fingerprint: string | null;
  /** Landed with the next group, after later hits of its address were parsed. */
  late: boolean;
}

/** Deterministic traffic (a linear congruential generator), in time order. */
function traffic(count: number): Spec[] {
  let seed = 20261129;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const specs: Spec[] = [];
  let at = T0;
  const recent: string[] = [];
  for (let i = 0; i < count; i++) {
    at += i % 97 === 96 ? 700_000 : Math.floor(random() * 12_000);
    const ip = random() < 0.6 ? '198.51.100.1' : `198.51.100.${2 + Math.floor(random() * 40)}`;
    let fingerprint: string | null;
    const r = random();
    if (r < 0.1) fingerprint = null;
    else if (r < 0.55 && recent.length) fingerprint = recent[Math.floor(random() * recent.length)] ?? null;
    else fingerprint = `c${Math.floor(random() * 60)}`;
    if (fingerprint) recent.splice(0, recent.length >= 40 ? 1 : 0, fingerprint);
    specs.push({ ip, at, fingerprint, late: i > 20 && random() < 0.08 });
  }
  return specs;
}

const subnetOf = (ip: string) => ip.slice(0, ip.lastIndexOf('.'));

describe.each(enginesUnderTest())('distinct counts of the behaviour signals on $name', (engine) => {
  let t: TestDatabase;
  const specs = traffic(400);
  const hitIds = specs.map(() => '');
  /** Per hit (index of specs): its PiXL.Test Id and the number of the batch that parsed it. */
  const idOf = new Map<number, number>();
  const batchOf = new Map<number, number>();
  const parsedRows = new Map<number, Record<string, unknown>>();
  /** Per PiXL.Test Id: its running counts in ETL.SignalHit and the batch whose numbering added them. */
  const runningCounts = new Map<number, { ip: number; subnet: number; batch: number }>();
  const sql = (text: string) => text.replace(/\{([\w.]+)\}/g, (_, n: string) => t.db.name(n));

  beforeAll(async () => {
    t = await engine.create();
    const groupOf = (i: number) => Math.floor((i * GROUPS) / specs.length);
    let batch = 0;
    for (let g = 0; g <= GROUPS; g++) {
      const landing = specs
        .map((s, i) => ({ s, i }))
        .filter(({ s, i }) => (s.late ? groupOf(i) + 1 : groupOf(i)) === g);
      const hits = landing.map(({ s, i }) => {
        const hit = makeHit({
          ip: s.ip,
          queryString: s.fingerprint ? `canvasFP=${s.fingerprint}&webglFP=w&audioHash=a` : 'sw=1920',
          receivedAt: new Date(s.at).toISOString(),
        });
        hitIds[i] = hit.hitId;
        return toHitRow(hit);
      });
      if (hits.length) await t.db.insertHits(hits);
      const test = await t.db.query<{ Id: unknown; HitId: unknown }>(
        sql('SELECT {Id}, {HitId} FROM {PiXL.Test}'),
      );
      const byHitId = new Map(test.map((r) => [String(r.HitId).toLowerCase(), Number(r.Id)]));
      for (const { i } of landing) idOf.set(i, byHitId.get(hitIds[i] as string) as number);
      // Small batches, each one recorded: a hit sees the hits of the batches up to its own. Other test files
      // share the server and can hold the parse back, so batches repeat until the group is parsed.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        await parseBatch(t.db, BATCH, SETTINGS);
        batch++;
        const parsed = await t.db.query(
          sql(
            `SELECT {SourceId}, {Srv_FpDistinct}, {Srv_SubnetIps}, {Srv_LastGapMs}, ${WINDOW_COUNTS.map((w) => `{${w.column}}`).join(', ')}
            FROM {PiXL.Parsed}`,
          ),
        );
        for (const row of parsed) {
          const id = Number(row.SourceId);
          if (!parsedRows.has(id)) parsedRows.set(id, row);
        }
        for (const [i, id] of idOf) if (!batchOf.has(i) && parsedRows.has(id)) batchOf.set(i, batch);
        // The look-back's running counts as this batch's parse saw them (a row's never change once numbered).
        const numbered = await t.db.query(
          sql('SELECT {SourceId}, {IpSeq}, {SubnetSeq} FROM {ETL.SignalHit}'),
        );
        for (const row of numbered) {
          const id = Number(row.SourceId);
          if (!runningCounts.has(id)) {
            runningCounts.set(id, { ip: Number(row.IpSeq), subnet: Number(row.SubnetSeq), batch });
          }
        }
        if (batchOf.size === idOf.size) break;
      }
    }
  }, 180_000);

  afterAll(async () => {
    await t?.drop();
  });

  /** The definition, over the hits stored when hit i's batch was parsed. */
  function expected(
    i: number,
    key: (s: Spec) => string,
    value: (s: Spec) => string | null,
    windowSec: number,
  ) {
    const h = specs[i] as Spec;
    const id = (j: number) => idOf.get(j) as number;
    const upTo = (j: number) => {
      const g = specs[j] as Spec;
      return g.at < h.at || (g.at === h.at && id(j) <= id(i));
    };
    const visible = specs
      .map((s, j) => ({ s, j }))
      .filter(
        ({ s, j }) =>
          (batchOf.get(j) ?? Infinity) <= (batchOf.get(i) as number) &&
          key(s) === key(h) &&
          upTo(j) &&
          s.at >= h.at - windowSec * 1000,
      )
      .sort((a, b) => b.s.at - a.s.at || id(b.j) - id(a.j));
    const latest = visible.slice(0, DISTINCT_LOOKBACK_HITS);
    const previous = visible.find(({ j }) => j !== i);
    return {
      distinct: new Set(latest.map(({ s }) => value(s)).filter((v) => v !== null)).size,
      seen: visible.length,
      /** Milliseconds since the key's previous hit in the window, -1 without one. */
      gap: previous ? h.at - previous.s.at : -1,
      // Counted from its key's one read of the batch, not by a look-back of its own.
      byRun:
        specs.filter((s, j) => batchOf.get(j) === batchOf.get(i) && key(s) === key(h)).length >=
        DISTINCT_RUN_MIN_HITS,
      cut:
        visible.length < DISTINCT_LOOKBACK_HITS &&
        specs.some((s, j) => key(s) === key(h) && upTo(j) && j !== i && s.at < h.at - windowSec * 1000),
    };
  }

  it('parses every hit', () => {
    expect(batchOf.size).toBe(specs.length);
  });

  it('counts the distinct fingerprints of an address and addresses of a /24 as defined, for every hit', () => {
    const coverage = {
      fpOver32: 0,
      fpCut: 0,
      fpRun: 0,
      fpPerHit: 0,
      subnetOver32: 0,
      subnetCut: 0,
      subnetRun: 0,
      late: 0,
      noPrevious: 0,
    };
    for (const [i, s] of specs.entries()) {
      const row = parsedRows.get(idOf.get(i) as number);
      const fp = expected(
        i,
        (x) => x.ip,
        (x) => x.fingerprint,
        SETTINGS.FpWindowSec,
      );
      const subnet = expected(
        i,
        (x) => subnetOf(x.ip),
        (x) => x.ip,
        SETTINGS.SubnetWindowSec,
      );
      // The previous hit of the address looks back over the longest of its windows.
      const ipWindowSec = Math.max(SETTINGS.FpWindowSec, SETTINGS.RapidWindowSec, SETTINGS.FpRateWindowSec);
      const gap = expected(
        i,
        (x) => x.ip,
        (x) => x.fingerprint,
        ipWindowSec,
      ).gap;
      expect({
        hit: i,
        fp: Number(row?.Srv_FpDistinct),
        subnet: Number(row?.Srv_SubnetIps),
        gap: Number(row?.Srv_LastGapMs),
      }).toEqual({
        hit: i,
        fp: fp.distinct,
        subnet: subnet.distinct,
        gap,
      });
      if (gap === -1 && i > 0) coverage.noPrevious++;
      if (fp.seen > DISTINCT_LOOKBACK_HITS) coverage.fpOver32++;
      if (fp.cut) coverage.fpCut++;
      if (fp.byRun) coverage.fpRun++;
      else coverage.fpPerHit++;
      if (subnet.byRun) coverage.subnetRun++;
      if (subnet.seen > DISTINCT_LOOKBACK_HITS) coverage.subnetOver32++;
      if (subnet.cut) coverage.subnetCut++;
      if (s.late) coverage.late++;
    }
    // The traffic takes every path: the window cutting the latest hits, more than 32 hits, keys counted from
    // one read of the batch and hit by hit, late hits.
    for (const [path, hits] of Object.entries(coverage)) expect(hits, path).toBeGreaterThan(5);
  });

  it('counts the hits of each window from the running counts as each hit would seek them', () => {
    // Per hit, the window's first row among the rows numbered by its batch, as the parse's seek of that row
    // finds it (scripts/sqlgen/postgresSignals.ts firstSeqSince); the parse spares that seek for a key whose
    // batch hits share the start (sharedWindowStart), and must count the same.
    const keyOf = (s: Spec, key: 'ip' | 'subnet') => (key === 'ip' ? s.ip : subnetOf(s.ip));
    let sharedTried = 0;
    for (const [i, s] of specs.entries()) {
      const id = idOf.get(i) as number;
      const row = parsedRows.get(id);
      const own = runningCounts.get(id);
      if (!own) throw new Error(`hit ${i} was never numbered`);
      for (const w of WINDOW_COUNTS) {
        const seq = (n: { ip: number; subnet: number }) => (w.key === 'ip' ? n.ip : n.subnet);
        const rows = specs
          .map((x, j) => ({ x, j, counts: runningCounts.get(idOf.get(j) as number) }))
          .filter(
            ({ x, counts }) =>
              counts !== undefined &&
              counts.batch <= own.batch &&
              keyOf(x, w.key) === keyOf(s, w.key) &&
              x.at >= s.at - w.windowSec * 1000,
          )
          .sort((a, b) => a.x.at - b.x.at || (idOf.get(a.j) as number) - (idOf.get(b.j) as number));
        // The hit itself is among them, so the window has a first row.
        const first = rows[0]?.counts ?? own;
        const expected = seq(own) === 1 ? 1 : Math.max(seq(own) - seq(first) + 1, 1);
        expect({ hit: i, column: w.column, value: Number(row?.[w.column]) }).toEqual({
          hit: i,
          column: w.column,
          value: expected,
        });
        // Hits whose key tries the shared start: SHARED_START_MIN_HITS or more of the key in the batch, within one
        // window of each other.
        const batchHits = specs.filter(
          (x, j) => batchOf.get(j) === batchOf.get(i) && keyOf(x, w.key) === keyOf(s, w.key),
        );
        if (
          batchHits.length >= SHARED_START_MIN_HITS &&
          Math.max(...batchHits.map((x) => x.at)) - Math.min(...batchHits.map((x) => x.at)) <
            w.windowSec * 1000
        ) {
          sharedTried++;
        }
      }
    }
    expect(sharedTried).toBeGreaterThan(5);
  });
});

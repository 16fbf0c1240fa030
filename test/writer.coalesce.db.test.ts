/**
 * The hit-writer's group commit (src/writer/coalesce.ts) against real databases: messages written at the
 * same time share one transaction, and each keeps its own outcome.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import type { HitRow } from '../src/db/types.js';
import { encodeHitMessage } from '../src/queue/hitMessage.js';
import { CoalescingHitWriter } from '../src/writer/coalesce.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { writeHitMessage } from '../src/writer/writeHitMessage.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { realisticQueryString } from './support/realisticHits.js';
import { startTcpGate } from './support/tcpGate.js';

const rowsOf = (n: number, seed = 0): HitRow[] =>
  Array.from({ length: n }, (_, i) => toHitRow(makeHit({ queryString: `i=${seed + i}&sw=1920` })));

/** The message body as the queue trigger hands it over (the host has undone the outer base64). */
async function messageOf(hits: ReturnType<typeof makeHit>[]): Promise<string> {
  return Buffer.from(await encodeHitMessage(hits.map((h) => JSON.stringify(h))), 'base64').toString('utf8');
}

describe.each(enginesUnderTest())('coalescing hit writer on $name', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const landed = async (rows: readonly HitRow[]) => {
    const found = await t.db.query<{ HitId: string }>(
      `SELECT ${t.db.name('HitId')} FROM ${t.db.name('PiXL.Test')}`,
    );
    const ids = new Set(found.map((r) => String(r.HitId).toLowerCase()));
    return rows.filter((r) => ids.has(r.hitId)).length;
  };
  const total = async () =>
    Number((await t.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t.db.name('PiXL.Test')}`))[0]?.n);

  it('writes messages handled at the same time in one transaction, each told its own count', async () => {
    const writer = new CoalescingHitWriter(t.db, { maxRowsPerWrite: 1000, maxConcurrentWrites: 1 });
    const first = rowsOf(3, 0);
    const messages = [rowsOf(5, 100), rowsOf(7, 200), rowsOf(1, 300)];
    // The first write takes the only slot; the three that arrive meanwhile go together in the next.
    const results = await Promise.all([writer.write(first), ...messages.map((m) => writer.write(m))]);
    expect(results).toEqual([3, 5, 7, 1]);
    expect(writer.stats).toMatchObject({ writes: 2, messages: 4, rows: 16, isolatedRetries: 0 });
    expect(await landed([...first, ...messages.flat()])).toBe(16);
  });

  it('a bad message fails alone; the good ones beside it land', async () => {
    const writer = new CoalescingHitWriter(t.db, { maxRowsPerWrite: 1000, maxConcurrentWrites: 1 });
    const before = await total();
    const good1 = rowsOf(4, 1000);
    // Longer than HitType's varchar(10): the database refuses the row (a data error, not an outage).
    const bad = rowsOf(3, 2000).map((r, i) => (i === 1 ? { ...r, hitType: 'x'.repeat(40) } : r));
    const good2 = rowsOf(6, 3000);
    const outcomes = await Promise.allSettled([
      writer.write(rowsOf(1, 999)),
      writer.write(good1),
      writer.write(bad),
      writer.write(good2),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ value: 4 });
    expect(outcomes[3]).toMatchObject({ value: 6 });
    expect(t.db.isTransientError((outcomes[2] as PromiseRejectedResult).reason)).toBe(false);
    expect(writer.stats.isolatedRetries).toBe(3);
    expect(await landed(good1)).toBe(4);
    expect(await landed(good2)).toBe(6);
    expect(await landed(bad)).toBe(0);
    expect(await total()).toBe(before + 11);
  });

  it('a redelivered message beside new ones adds nothing, also when it comes twice in one write', async () => {
    const writer = new CoalescingHitWriter(t.db, { maxRowsPerWrite: 1000, maxConcurrentWrites: 1 });
    const old = rowsOf(5, 4000);
    expect(await writer.write(old)).toBe(5);
    const before = await total();
    const fresh = rowsOf(4, 5000);
    const partly = [...rowsOf(2, 6000), ...old.slice(0, 2)];
    const results = await Promise.all([
      writer.write(rowsOf(1, 3999)),
      writer.write(old),
      writer.write(fresh),
      writer.write(partly),
      writer.write(fresh),
    ]);
    expect(results).toEqual([1, 0, 4, 2, 0]);
    expect(await total()).toBe(before + 1 + 4 + 2);
  });

  it('several messages through writeHitMessage: one bad hit fails its message only', async () => {
    const good = Array.from({ length: 3 }, (_, m) =>
      Array.from({ length: 5 }, (_, i) => makeHit({ queryString: realisticQueryString(m * 5 + i) })),
    );
    const mixed = [makeHit(), { ...makeHit(), hitId: 'not-a-uuid' }] as ReturnType<typeof makeHit>[];
    const bodies = await Promise.all([...good, mixed].map(messageOf));
    const outcomes = await Promise.allSettled(
      bodies.map((b) =>
        writeHitMessage(b, t.db, async () => {
          throw new Error('no requeue expected');
        }),
      ),
    );
    expect(outcomes.slice(0, 3).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(outcomes[3]?.status).toBe('rejected');
    // The valid hit of the mixed message is written before its message fails (then retried, harmlessly).
    expect(await landed(good.flat().map(toHitRow))).toBe(15);
    expect(await landed([toHitRow(mixed[0] as ReturnType<typeof makeHit>)])).toBe(1);
  });
});

/** A free port of the system's ephemeral range, for the gate. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('coalescing hit writer through a database outage (PostgreSQL)', () => {
  const [postgres] = enginesUnderTest();
  let t: TestDatabase;
  beforeAll(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('an outage in the middle of a shared write requeues every message; replayed, each hit lands once', async () => {
    const url = new URL(t.connectionString);
    const gatePort = await freePort();
    const gate = await startTcpGate(gatePort, Number(url.port));
    url.port = String(gatePort);
    url.hostname = '127.0.0.1';
    const db = new PostgresWarehouse(url.toString(), 4);
    try {
      const messages = Array.from({ length: 12 }, (_, m) =>
        Array.from({ length: 40 }, (_, i) => makeHit({ queryString: realisticQueryString(m * 40 + i) })),
      );
      const bodies = await Promise.all(messages.map(messageOf));
      const requeued: string[] = [];
      // The connections are cut 5 ms into the second write (the first carries the first message alone):
      // that write may or may not commit, and every later one finds the database unreachable.
      let calls = 0;
      const target = {
        isTransientError: (error: unknown) => db.isTransientError(error),
        insertHitBatches: (batches: readonly (readonly HitRow[])[]) => {
          if (++calls === 2) setTimeout(() => void gate.close(), 5);
          return db.insertHitBatches(batches);
        },
      };
      const writer = new CoalescingHitWriter(target, { maxRowsPerWrite: 200, maxConcurrentWrites: 1 });
      const writes = bodies.map((b) =>
        writeHitMessage(
          b,
          db,
          async (p) => {
            requeued.push(p);
          },
          writer,
        ),
      );
      const outcomes = await Promise.all(writes);
      expect(outcomes.filter((o) => o.requeued).length).toBe(requeued.length);
      expect(requeued.length).toBeGreaterThan(0);
      expect(writer.stats.writes).toBeLessThan(bodies.length);
      await gate.open();
      // The queue delivers the requeued messages again (and may deliver a completed one twice, too).
      const again = await Promise.all(
        [...requeued, bodies[0] as string].map((b) =>
          writeHitMessage(b, db, async () => {
            throw new Error('the database is back');
          }),
        ),
      );
      expect(again.every((o) => !o.requeued)).toBe(true);
      const counts = await t.db.query<{ n: number; distinct: number }>(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT "HitId") AS distinct FROM "PiXL"."Test"',
      );
      expect(counts[0]).toEqual({ n: 480, distinct: 480 });
    } finally {
      await db.close();
      await gate.close();
    }
  });
});

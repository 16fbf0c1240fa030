/**
 * The parse watermark never skips a hit whose Id committed after a higher one, and two parse runs never
 * overlap. Transactions are held open on a second connection of the real engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase, type TestWarehouse } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { parseBatch } from './support/parseBatch.js';
import { openSession, type Session } from './support/writerSession.js';

async function parsedIds(db: TestWarehouse): Promise<number[]> {
  const rows = await db.query(`SELECT ${db.name('SourceId')} AS id FROM ${db.name('PiXL.Parsed')}`);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

async function idOf(db: TestWarehouse, hitId: string): Promise<number> {
  const [row] = await db.query(
    `SELECT ${db.name('Id')} AS id FROM ${db.name('PiXL.Test')} WHERE ${db.name('HitId')} = $1`,
    [hitId],
  );
  return Number(row?.id);
}

/** Parses until `want` is parsed: other test files' transactions on the shared server can hold the horizon. */
async function parseUntil(db: TestWarehouse, want: number[]): Promise<number[]> {
  const deadline = Date.now() + 20_000;
  let ids = await parsedIds(db);
  while (!want.every((id) => ids.includes(id)) && Date.now() < deadline) {
    await parseBatch(db, 100);
    ids = await parsedIds(db);
  }
  return ids;
}

describe.each(enginesUnderTest())('parse watermark on $name', (engine) => {
  let t: TestDatabase;
  let session: Session;
  beforeAll(async () => {
    t = await engine.create();
    session = await openSession(engine.name, t.connectionString);
  });
  afterAll(async () => {
    await session?.close();
    await t?.drop();
  });

  it('parses a row whose lower Id committed after a higher one, on the next run', async () => {
    const h1 = makeHit({ queryString: 'sw=1' });
    await t.db.insertHits([toHitRow(h1)]);
    const id1 = await idOf(t.db, h1.hitId);

    // The slow writer: its row gets the next Id but stays uncommitted.
    const slow = makeHit({ queryString: 'sw=2' });
    await session.begin();
    await session.insertHit(toHitRow(slow));
    // A fast writer commits a higher Id meanwhile.
    const h3 = makeHit({ queryString: 'sw=3' });
    await t.db.insertHits([toHitRow(h3)]);
    const id3 = await idOf(t.db, h3.hitId);

    expect(await parseUntil(t.db, [id1])).toEqual([id1]);
    // More runs while the slow writer is open: the committed higher Id waits behind it, nothing moves past it.
    await parseBatch(t.db, 100);
    expect(await parsedIds(t.db)).toEqual([id1]);

    await session.commit();
    const id2 = await idOf(t.db, slow.hitId);
    expect(id1 < id2 && id2 < id3).toBe(true);
    expect(await parseUntil(t.db, [id1, id2, id3])).toEqual([id1, id2, id3]);
    const [visit] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${t.db.name('PiXL.Visit')} WHERE ${t.db.name('VisitID')} = $1`,
      [id2],
    );
    expect(Number(visit?.n)).toBe(1);
  });

  it('does nothing while another run holds the parse lock, and parses once it is released', async () => {
    const hit = makeHit({ queryString: 'sw=4' });
    await t.db.insertHits([toHitRow(hit)]);
    const id = await idOf(t.db, hit.hitId);
    await session.begin();
    await session.holdParseLock();
    try {
      expect(await parseBatch(t.db, 100)).toMatchObject({ rowsParsed: 0, visitsInserted: 0 });
      expect(await parsedIds(t.db)).not.toContain(id);
    } finally {
      await session.commit();
    }
    expect(await parseUntil(t.db, [id])).toContain(id);
  });
});

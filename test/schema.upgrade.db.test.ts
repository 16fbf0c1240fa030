/**
 * The schema runner (src/db/migrate.ts) on a real database: a database built by the last release before
 * objects/ upgrades without losing a row and ends with the catalog of a fresh one; a changed applied migration
 * is refused before anything runs; a changed object is applied alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_TRANSACTION_MARKER } from '../src/db/batches.js';
import { MigrationChangedError, migrate, migrationFiles, objectFiles } from '../src/db/migrate.js';
import type { HitRow } from '../src/db/types.js';
import { PROCEDURES } from '../src/etl/procedures.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { applyReleasedSchema0041, catalogOf } from './support/catalog.js';
import { enginesUnderTest, type TestDatabase, type TestWarehouse } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { realisticQueryString } from './support/realisticHits.js';
import { landReleasedHits } from './support/releasedHits.js';

const TABLES = ['PiXL.Test', 'PiXL.Parsed', 'PiXL.Visit', 'PiXL.Device', 'PiXL.IP'];

/** Row counts; the signals' look-back is ETL.RecentHit up to 0041 and ETL.SignalHit from 0053 on. */
async function rowCounts(db: TestWarehouse, lookBack?: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of lookBack ? [...TABLES, lookBack] : TABLES) {
    const [row] = await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${db.name(table)}`);
    counts[table === lookBack ? 'lookBack' : table] = Number(row?.n);
  }
  return counts;
}

const hitsOf = (count: number, seed: number) =>
  Array.from({ length: count }, (_, i) =>
    toHitRow(makeHit({ queryString: realisticQueryString(seed + i), ip: `198.51.100.${(seed + i) % 200}` })),
  );

async function landAndParse(
  db: TestWarehouse,
  count: number,
  seed: number,
  land: (hits: HitRow[]) => Promise<unknown> = (hits) => db.insertHits(hits),
): Promise<HitRow[]> {
  const hits = hitsOf(count, seed);
  await land(hits);
  // A transaction open anywhere on the server holds the parse's horizon back: retry until these are taken.
  const target = (await rowCounts(db))['PiXL.Test'];
  // The signals' numbering comes first from migration 0085 on (src/etl/lanes.ts); the 0041 parse numbered itself.
  const numbers = await db.procedureExists(PROCEDURES.numberSignals);
  for (let tries = 0; tries < 300 && (await rowCounts(db))['PiXL.Parsed'] !== target; tries++) {
    if (numbers) await db.callProcedure(PROCEDURES.numberSignals, { BatchSize: 10_000 });
    await db.callProcedure(PROCEDURES.parse, { BatchSize: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return hits;
}

const checksumTable = (db: TestWarehouse, kind: 'migrations' | 'objects') =>
  db.name(
    db.engine === 'mssql'
      ? `dbo.Schema${kind === 'migrations' ? 'Migrations' : 'Objects'}`
      : `public.Schema${kind === 'migrations' ? 'Migrations' : 'Objects'}`,
  );

describe.each(enginesUnderTest())('schema runner on $name', (engine) => {
  let upgraded: TestDatabase;
  let fresh: TestDatabase;
  beforeAll(async () => {
    [upgraded, fresh] = await Promise.all([engine.create({ empty: true }), engine.create()]);
  });
  afterAll(async () => {
    await Promise.all([upgraded?.drop(), fresh?.drop()]);
  });

  it('upgrades a database built by migrations 0001-0041 without losing a row, to the catalog of a fresh one', async () => {
    const db = upgraded.db;
    await applyReleasedSchema0041(db);
    await landAndParse(db, 40, 1, (hits) => landReleasedHits(db, hits));
    const before = await rowCounts(db, 'ETL.RecentHit');
    expect(before['PiXL.Parsed']).toBe(40);
    expect(before.lookBack).toBe(40);
    // Landed before the upgrade, parsed after it: their client params are still in ParamsJson.
    const waiting = hitsOf(5, 50);
    await landReleasedHits(db, waiting);
    before['PiXL.Test'] = (before['PiXL.Test'] ?? 0) + waiting.length;

    const lines: string[] = [];
    const report = await migrate(db, (line) => lines.push(line));
    // The released migrations only get their checksum recorded; every object is (re)defined from its file.
    expect(report.migrations).toEqual(
      migrationFiles(db.engine)
        .map((m) => m.name)
        .filter((name) => name.slice(0, 4) > '0041'),
    );
    expect(report.objects.sort()).toEqual(
      objectFiles(db.engine)
        .map((o) => o.name)
        .sort(),
    );
    expect(await rowCounts(db, 'ETL.SignalHit')).toEqual(before);
    const catalog = await catalogOf(db);
    for (const [section, entries] of Object.entries(catalog))
      expect(entries.length, section).toBeGreaterThan(0);
    expect(catalog).toEqual(await catalogOf(fresh.db));

    // The upgraded warehouse keeps parsing, and a second run has nothing to do. The client params reach the
    // visit alike from rows landed before the upgrade and after it.
    const landedAfter = await landAndParse(db, 10, 100);
    expect((await rowCounts(db))['PiXL.Parsed']).toBe(55);
    const landed = await db.query<{ id: number | string; hitId: string }>(
      db.engine === 'mssql'
        ? 'SELECT Id AS id, CAST(HitId AS CHAR(36)) AS hitId FROM PiXL.Test'
        : 'SELECT "Id" AS id, "HitId"::text AS "hitId" FROM "PiXL"."Test"',
    );
    const idOf = new Map(landed.map((r) => [r.hitId.toLowerCase(), Number(r.id)]));
    for (const hit of [...waiting, ...landedAfter]) {
      const visit = await db.inspect.visitRow(idOf.get(hit.hitId.toLowerCase()) ?? -1);
      expect(visit?.ClientParamsJson, hit.hitId).toEqual(JSON.parse(hit.clientParamsJson));
      expect(Object.keys(visit?.ClientParamsJson ?? {})).toEqual(['hid', 'email']);
    }
    expect(await migrate(db)).toEqual({ migrations: [], objects: [] });
  });

  it('applies exactly the object whose definition changed', async () => {
    const db = fresh.db;
    // What a database looks like after someone edited PiXL.vw_VisitorDevices: its recorded checksum is stale.
    await db.query(`DROP VIEW ${db.name('PiXL.vw_VisitorDevices')}`);
    await db.query(
      `UPDATE ${checksumTable(db, 'objects')} SET ${db.name('Checksum')} = $1 WHERE ${db.name('Name')} = $2`,
      ['0'.repeat(64), 'PiXL.vw_VisitorDevices'],
    );
    expect(await migrate(db)).toEqual({ migrations: [], objects: ['PiXL.vw_VisitorDevices'] });
    const rows = await db.query(`SELECT * FROM ${db.name('PiXL.vw_VisitorDevices')}`);
    expect(rows).toEqual([]);
  });

  it('refuses to run when an applied migration was changed, naming the file, and changes nothing', async () => {
    const db = fresh.db;
    const [first] = migrationFiles(db.engine);
    await db.query(
      `UPDATE ${checksumTable(db, 'migrations')} SET ${db.name('Checksum')} = $1 WHERE ${db.name('Name')} = $2`,
      ['f'.repeat(64), first?.name],
    );
    // A stale object would be applied by a run that went ahead: it must not be.
    await db.query(
      `UPDATE ${checksumTable(db, 'objects')} SET ${db.name('Checksum')} = $1 WHERE ${db.name('Name')} = $2`,
      ['0'.repeat(64), PROCEDURES.match],
    );
    const run = migrate(db);
    await expect(run).rejects.toBeInstanceOf(MigrationChangedError);
    await expect(migrate(db)).rejects.toThrow(
      new RegExp(
        `sql[\\\\/]${db.engine}[\\\\/]migrations[\\\\/]${first?.name}\\.sql was changed after it was applied`,
      ),
    );
    const [stale] = await db.query<{ c: string }>(
      `SELECT ${db.name('Checksum')} AS c FROM ${checksumTable(db, 'objects')} WHERE ${db.name('Name')} = $1`,
      [PROCEDURES.match],
    );
    expect(stale?.c).toBe('0'.repeat(64));
  });

  it('refuses a database that has migrations this version does not know', async () => {
    const db = fresh.db;
    await db.query(`DELETE FROM ${checksumTable(db, 'migrations')} WHERE ${db.name('Checksum')} = $1`, [
      'f'.repeat(64),
    ]);
    await db.query(`INSERT INTO ${checksumTable(db, 'migrations')} (${db.name('Name')}) VALUES ($1)`, [
      '9999_future',
    ]);
    await expect(migrate(db)).rejects.toThrow(/9999_future/);
  });

  it('runs a no-transaction migration batch by batch, and records it only once every batch ran', async () => {
    const db = await engine.create();
    try {
      const current = { migrations: migrationFiles(db.db.engine), objects: objectFiles(db.db.engine) };
      const table = db.db.name('PiXL.ScratchForRunner');
      const text = (second: string) =>
        `${NO_TRANSACTION_MARKER}\nCREATE TABLE ${table} (${db.db.name('Id')} int);\nGO\n${second}\n`;
      const failing = {
        name: '9000_scratch',
        path: '9000_scratch.sql',
        text: text('SELECT nonsense FROM nowhere;'),
      };
      await expect(
        migrate(db.db, () => {}, {
          ...current,
          migrations: [...current.migrations, { ...failing, checksum: 'a'.repeat(64) }],
        }),
      ).rejects.toThrow();
      // The first batch committed on its own; the migration is not recorded, so it runs again once fixed.
      expect(await db.db.query(`SELECT * FROM ${table}`)).toEqual([]);
      const fixed = { ...failing, text: text(`DROP TABLE ${table};`), checksum: 'b'.repeat(64) };
      await db.db.query(`DROP TABLE ${table}`);
      const report = await migrate(db.db, () => {}, {
        ...current,
        migrations: [...current.migrations, fixed],
      });
      expect(report.migrations).toEqual(['9000_scratch']);
    } finally {
      await db.drop();
    }
  });
});

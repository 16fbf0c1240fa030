import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerGenerator } from '../src/identity/consumerGenerator.js';
import { consumerTable, pointConsumerSource } from '../src/identity/consumerSource.js';
import { emailSha256, normaliseEmail } from '../src/identity/email.js';
import {
  type SeedResult,
  seedConsumers,
  seededEmail,
  seedLocalConsumers,
} from '../src/identity/seedConsumers.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';

const ROWS = 200_000;

describe('synthetic consumer generator', () => {
  it('is deterministic per seed and rebuilds any row on its own', () => {
    const a = new ConsumerGenerator({ seed: 5 });
    const b = new ConsumerGenerator({ seed: 5 });
    const rows = [...a.rows(2000)];
    expect([...b.rows(1000, 1000)]).toEqual(rows.slice(1000));
    expect(new ConsumerGenerator({ seed: 6 }).row(10)).not.toEqual(a.row(10));
  });

  it('has the shape of the production file', () => {
    const rows = [...new ConsumerGenerator({ seed: 9 }).rows(50_000)];
    const withEmail = rows.filter((r) => r.email !== null);
    expect(withEmail.length / rows.length).toBeGreaterThan(0.14);
    expect(withEmail.length / rows.length).toBeLessThan(0.18);
    expect(withEmail.some((r) => r.email !== normaliseEmail(r.email))).toBe(true);
    expect(withEmail.some((r) => /^[ \t]|[ \t]$/.test(r.email ?? ''))).toBe(true);
    expect(withEmail.some((r) => /[^ -~\t]/.test(r.email ?? ''))).toBe(true);
    expect(rows.filter((r) => r.personRow !== r.recordId - 1).length).toBeGreaterThan(100);
    for (const r of rows.slice(0, 500)) {
      expect(r.individualKey).toMatch(/^[0-9A-Z]{35}$/);
      expect(r.addressKey).toMatch(/^[0-9A-Z]{35}$/);
      expect(r.zip).toMatch(/^\d{5}$/);
      expect(r.phone).toMatch(/^\d{10}$/);
    }
  });
});

describe.each(enginesUnderTest())('AutoConsumer seeding on $name', (engine) => {
  let t: TestDatabase;
  let seeded: SeedResult;
  const q = (c: string) => t.db.name(c);
  const source = () => t.db.name('PiXL.AutoConsumerSource');

  beforeAll(async () => {
    t = await engine.create();
    seeded = await seedConsumers(t.db, { rows: ROWS, seed: 3 });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('makes the requested rows, RecordIDs from 1, indexes rebuilt after loading an empty table', async () => {
    expect(seeded.rows).toBe(ROWS);
    expect(seeded.indexesRebuilt).toBe(true);
    const [row] = await t.db.query<{ n: number; lo: number; hi: number; e: number }>(
      `SELECT COUNT(*) AS n, MIN(${q('RecordID')}) AS lo, MAX(${q('RecordID')}) AS hi, COUNT(${q('EMail')}) AS e FROM ${source()}`,
    );
    expect([Number(row?.n), Number(row?.lo), Number(row?.hi)]).toEqual([ROWS, 1, ROWS]);
    expect(Number(row?.e) / ROWS).toBeGreaterThan(0.14);
    expect(Number(row?.e) / ROWS).toBeLessThan(0.18);
    const indexes = await t.db.query<{ name: string }>(
      t.db.engine === 'mssql'
        ? "SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID('dbo.AutoConsumer') AND is_disabled = 0 AND name LIKE 'IX_%'"
        : `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'AutoConsumer' AND indexname LIKE 'IX_%'`,
    );
    expect(indexes.map((i) => i.name).sort()).toEqual([
      'IX_AutoConsumer_EMail',
      'IX_AutoConsumer_EMailNorm',
      'IX_AutoConsumer_EMailSha256',
    ]);
  });

  it('stores what the generator says row i has', async () => {
    for (const i of [0, 1, 777, ROWS - 1]) {
      const expected = seeded.generator.row(i);
      const [row] = await t.db.query<{ EMail: string | null; IndividualKey: string; LastName: string }>(
        `SELECT ${q('EMail')}, ${q('IndividualKey')}, ${q('LastName')} FROM ${t.db.name(seeded.table)} WHERE ${q('RecordID')} = $1`,
        [expected.recordId],
      );
      expect(row).toEqual({
        EMail: expected.email,
        IndividualKey: expected.individualKey,
        LastName: expected.lastName,
      });
    }
  });

  it('spellings of one email in other letter cases and with spaces share one normalised key and hash', async () => {
    const groups = await t.db.query<{ norm: string; spellings: number; records: number }>(
      `SELECT ${q('EMailNorm')} AS norm, COUNT(DISTINCT ${q('EMail')}) AS spellings, COUNT(*) AS records
       FROM ${source()} WHERE ${q('EMailNorm')} IS NOT NULL GROUP BY ${q('EMailNorm')}
       HAVING COUNT(DISTINCT ${q('EMail')}) > 1`,
    );
    expect(groups.length).toBeGreaterThan(50);
    const sample = groups.slice(0, 20).map((g) => g.norm);
    const rows = await t.db.query<{ EMail: string; EMailNorm: string; EMailSha256: string }>(
      `SELECT ${q('EMail')}, ${q('EMailNorm')}, ${q('EMailSha256')} FROM ${source()}
       WHERE ${q('EMailNorm')} IN (${sample.map((_, i) => `$${i + 1}`).join(', ')})`,
      sample,
    );
    expect(new Set(rows.map((r) => r.EMail)).size).toBeGreaterThan(sample.length);
    for (const r of rows) {
      expect(normaliseEmail(r.EMail)).toBe(r.EMailNorm);
      expect(emailSha256(r.EMail)).toBe(r.EMailSha256);
    }
  });

  it('the hash column equals the Node hash on every seeded email', async () => {
    const rows = await t.db.query<{ EMail: string; EMailSha256: string | null }>(
      `SELECT ${q('EMail')}, ${q('EMailSha256')} FROM ${source()} WHERE ${q('EMail')} IS NOT NULL`,
    );
    const wrong = rows.filter((r) => emailSha256(r.EMail) !== r.EMailSha256);
    expect(rows.length).toBeGreaterThan(ROWS * 0.14);
    expect(wrong).toEqual([]);
  });

  it('newer records of a person have higher RecordIDs, and the newest one is what a lookup returns', async () => {
    // Expected newest record per normalised email, from the generator alone.
    const newest = new Map<string, { recordId: number; individualKey: string; addressKey: string }>();
    for (const r of seeded.generator.rows(ROWS)) {
      const norm = normaliseEmail(r.email);
      if (norm)
        newest.set(norm, { recordId: r.recordId, individualKey: r.individualKey, addressKey: r.addressKey });
    }
    const repeated = [...seeded.generator.rows(ROWS)].filter(
      (r) => r.email && r.personRow !== r.recordId - seeded.firstRecordId,
    );
    expect(repeated.length).toBeGreaterThan(100);
    const lookup =
      t.db.engine === 'mssql'
        ? `SELECT TOP (1) RecordID AS ${q('recordId')}, IndividualKey AS ${q('individualKey')}, AddressKey AS ${q('addressKey')}
           FROM PiXL.AutoConsumerSource WHERE EMailNorm = $1 ORDER BY RecordID DESC`
        : `SELECT "RecordID" AS "recordId", "IndividualKey" AS "individualKey", "AddressKey" AS "addressKey"
           FROM "PiXL"."AutoConsumerSource" WHERE "EMailNorm" = $1 ORDER BY "RecordID" DESC LIMIT 1`;
    for (const r of repeated.slice(0, 25)) {
      const older = seeded.generator.row(r.personRow);
      const norm = normaliseEmail(r.email) as string;
      expect(
        normaliseEmail(older.email) === norm || older.email === null || /^[^@]*$|^no/.test(older.email),
      ).toBe(true);
      expect(r.recordId).toBeGreaterThan(older.recordId);
      const [found] = await t.db.query(lookup, [norm]);
      // SQL Server returns BIGINT as a string.
      expect({ norm, ...found, recordId: Number(found?.recordId) }).toEqual({ norm, ...newest.get(norm) });
    }
  });

  it.runIf(engine.name === 'postgres')('a lookup by normalised email or hash seeks the index', async () => {
    const plan = async (column: string, value: string) => {
      const rows = await t.db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT "IndividualKey", "AddressKey" FROM "PiXL"."AutoConsumerSource"
         WHERE "${column}" = $1 ORDER BY "RecordID" DESC LIMIT 1`,
        [value],
      );
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const email = [...seeded.generator.rows(1000)].find((r) => r.email)?.email as string;
    expect(await plan('EMailNorm', normaliseEmail(email) as string)).toMatch(
      /Index (Only )?Scan Backward using "IX_AutoConsumer_EMailNorm"/,
    );
    expect(await plan('EMailSha256', emailSha256(email) as string)).toMatch(
      /Index (Only )?Scan Backward using "IX_AutoConsumer_EMailSha256"/,
    );
  });

  it.runIf(engine.name === 'mssql')(
    'a lookup by normalised email or hash seeks the index (SQL Server)',
    async () => {
      const seeks = async (index: string) => {
        const [row] = await t.db.query<{ n: number }>(
          `SELECT ISNULL(SUM(s.user_seeks), 0) AS n FROM sys.dm_db_index_usage_stats AS s
         JOIN sys.indexes AS i ON i.object_id = s.object_id AND i.index_id = s.index_id
         WHERE s.database_id = DB_ID() AND i.name = $1`,
          [index],
        );
        return Number(row?.n);
      };
      const email = [...seeded.generator.rows(1000)].find((r) => r.email)?.email as string;
      for (const [column, index, key] of [
        ['EMailNorm', 'IX_AutoConsumer_EMailNorm', normaliseEmail(email)],
        ['EMailSha256', 'IX_AutoConsumer_EMailSha256', emailSha256(email)],
      ] as const) {
        const before = await seeks(index);
        // The key typed as the column is (UTF-8 VARCHAR, binary CHAR), as the procedure passes it.
        const typed =
          column === 'EMailNorm'
            ? 'CONVERT(VARCHAR(1020), CONVERT(NVARCHAR(4000), $1) COLLATE Latin1_General_100_BIN2_UTF8)'
            : 'CONVERT(CHAR(64), $1) COLLATE Latin1_General_100_BIN2';
        const rows = await t.db.query(
          `SELECT TOP (1) IndividualKey, AddressKey FROM PiXL.AutoConsumerSource WHERE ${column} = ${typed} ORDER BY RecordID DESC`,
          [key],
        );
        expect(rows).toHaveLength(1);
        expect(await seeks(index)).toBeGreaterThan(before);
      }
    },
  );

  it('names seeded emails for demos, and the local runner seeds only an empty table', async () => {
    const rows = await t.db.query(`SELECT ${q('RecordID')} FROM ${source()} WHERE ${q('EMailNorm')} = $1`, [
      seededEmail(3, 5),
    ]);
    expect(rows.length).toBeGreaterThan(0);
    expect(await seedLocalConsumers(t.db, 100)).toBe(0);
  });

  it('appends to a non-empty table with the next RecordIDs and live indexes', async () => {
    const more = await seedConsumers(t.db, { rows: 1000, seed: 4 });
    expect(more.firstRecordId).toBe(ROWS + 1);
    expect(more.indexesRebuilt).toBe(false);
    const [row] = await t.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${source()}`);
    expect(Number(row?.n)).toBe(ROWS + 1000);
  });

  it('re-points the source only at a table that can serve matching', async () => {
    await expect(pointConsumerSource(t.db, 'PiXL.Test')).rejects.toThrow(/cannot serve matching/);
    // Another table with the needed columns (a copy of ten records): the source follows it, then comes back.
    const other = t.db.engine === 'mssql' ? 'dbo.AutoConsumerCopy' : 'public.AutoConsumerCopy';
    await t.db.query(
      t.db.engine === 'mssql'
        ? 'SELECT * INTO dbo.AutoConsumerCopy FROM dbo.AutoConsumer WHERE RecordID <= 10'
        : 'CREATE TABLE public."AutoConsumerCopy" AS SELECT * FROM public."AutoConsumer" WHERE "RecordID" <= 10',
    );
    await pointConsumerSource(t.db, other);
    const [copied] = await t.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${source()}`);
    expect(Number(copied?.n)).toBe(10);
    await pointConsumerSource(t.db, consumerTable(t.db));
    const [row] = await t.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${source()}`);
    expect(Number(row?.n)).toBe(ROWS + 1000);
  });
});

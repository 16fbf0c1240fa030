import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../src/db/types.js';
import { emailSha256 } from '../src/identity/email.js';
import { seedConsumers } from '../src/identity/seedConsumers.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { matchBatch } from './support/matchBatch.js';
import { parseBatch } from './support/parseBatch.js';

describe.each(enginesUnderTest())('ETL.usp_MatchVisits on $name', (engine) => {
  let t: TestDatabase;
  let nextVisit = 1_000_000;
  let nextRecord = 5_000_000;
  const devices = new Map<string, number>();
  const q = (name: string) => t.db.name(name);
  const consumerTable = () => (t.db.engine === 'mssql' ? 'dbo.AutoConsumer' : 'public.AutoConsumer');
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));

  beforeAll(async () => {
    t = await engine.create();
    // Visits already in the table from other sources are not part of these tests.
    await t.db.query(`UPDATE ${q('ETL.MatchWatermark')} SET ${q('LastMatchSeq')} = 0`);
  });
  afterAll(async () => {
    await t?.drop();
  });

  /** Adds consumer records; returns their RecordIDs in order (so later ones are newer). */
  async function addConsumers(
    records: { email: string | null; individualKey: string; addressKey: string }[],
  ) {
    const ids = records.map(() => nextRecord++);
    await t.db.bulkLoad(
      consumerTable(),
      [
        { name: 'RecordID', type: 'bigint' },
        { name: 'EMail', type: 'text', length: 255 },
        { name: 'IndividualKey', type: 'text', length: 35 },
        { name: 'AddressKey', type: 'text', length: 35 },
      ],
      records.map((r, i) => [ids[i], r.email, r.individualKey, r.addressKey]),
    );
    return ids;
  }

  async function deviceId(label: string): Promise<number> {
    const known = devices.get(label);
    if (known !== undefined) return known;
    const hash = createHash('sha256').update(`device ${label} ${engine.name}`).digest();
    await t.db.query(
      `INSERT INTO ${q('PiXL.Device')} (${q('DeviceHash')}, ${q('FirstSeen')}, ${q('LastSeen')}, ${q('HitCount')}) VALUES ($1, $2, $2, 1)`,
      [hash, at(0)],
    );
    const [row] = await t.db.query<{ id: number }>(
      `SELECT ${q('DeviceId')} AS id FROM ${q('PiXL.Device')} WHERE ${q('DeviceHash')} = $1`,
      [hash],
    );
    devices.set(label, Number(row?.id));
    return Number(row?.id);
  }

  /** A visit as the parse writes it: MatchEmail trimmed of spaces with ASCII letters lower-cased. */
  async function addVisit(v: {
    device: string;
    email?: string;
    hid?: string;
    minute: number;
    company?: string;
  }) {
    const id = nextVisit++;
    const params: Record<string, string> = {};
    if (v.email !== undefined) params.email = v.email;
    if (v.hid !== undefined) params.hid = v.hid;
    const matchEmail = v.email?.replace(/^ +| +$/g, '').replace(/[A-Z]/g, (c) => c.toLowerCase()) || null;
    await t.db.query(
      `INSERT INTO ${q('PiXL.Visit')} (${q('VisitID')}, ${q('CompanyID')}, ${q('PiXLID')}, ${q('DeviceId')}, ${q('ReceivedAt')}, ${q('ClientParamsJson')}, ${q('MatchEmail')})
       VALUES ($1, $2, '1', $3, $4, ${t.db.engine === 'mssql' ? 'CAST($5 AS JSON)' : '$5'}, $6)`,
      [id, v.company ?? '12800', await deviceId(v.device), at(v.minute), JSON.stringify(params), matchEmail],
    );
    return id;
  }

  const matchesOf = (key: string) =>
    t.db.query<Row>(
      `SELECT ${q('MatchType')}, ${q('MatchKey')}, ${q('IndividualKey')}, ${q('AddressKey')}, ${q('HitCount')},
        ${q('FirstVisitID')}, ${q('LatestVisitID')}, ${q('MatchedAt')}, ${q('DeviceId')}
       FROM ${q('PiXL.Match')} WHERE ${q('MatchKey')} = $1 ORDER BY ${q('MatchType')}`,
      [key],
    );
  const num = (v: unknown) => (v == null ? v : Number(v));

  it('the newest consumer record of a normalised email wins; later visits count, keys stay', async () => {
    await addConsumers([
      { email: 'Pat.Lee@Example.com', individualKey: 'IND-PAT-OLD', addressKey: 'ADR-PAT-OLD' },
      { email: '  PAT.LEE@EXAMPLE.COM ', individualKey: 'IND-PAT-NEW', addressKey: 'ADR-PAT-NEW' },
      { email: 'someone.else@example.com', individualKey: 'IND-ELSE', addressKey: 'ADR-ELSE' },
    ]);
    const first = await addVisit({ device: 'pat-laptop', email: '  Pat.LEE@example.COM ', minute: 1 });
    const result = await matchBatch(t.db, 1000);
    expect(result).toMatchObject({
      rowsProcessed: 1,
      rowsMatched: 1,
      fromId: first,
      toId: first,
      lateMatched: 0,
    });
    const [match] = await matchesOf('pat.lee@example.com');
    expect({
      ...match,
      HitCount: num(match?.HitCount),
      FirstVisitID: num(match?.FirstVisitID),
      LatestVisitID: num(match?.LatestVisitID),
      DeviceId: num(match?.DeviceId),
    }).toMatchObject({
      MatchType: 'email',
      IndividualKey: 'IND-PAT-NEW',
      AddressKey: 'ADR-PAT-NEW',
      HitCount: 1,
      FirstVisitID: first,
      LatestVisitID: first,
      DeviceId: await deviceId('pat-laptop'),
    });
    expect(match?.MatchedAt).toBeInstanceOf(Date);

    // A newer record arrives and the same person comes back: counted, but a resolved match keeps its keys.
    await addConsumers([
      { email: 'pat.lee@example.com', individualKey: 'IND-PAT-NEWER', addressKey: 'ADR-X' },
    ]);
    const second = await addVisit({ device: 'pat-laptop', email: 'pat.lee@example.com', minute: 5 });
    expect(await matchBatch(t.db, 1000)).toMatchObject({ rowsProcessed: 1, rowsMatched: 1, lateMatched: 0 });
    const [again] = await matchesOf('pat.lee@example.com');
    expect([
      again?.IndividualKey,
      num(again?.HitCount),
      num(again?.FirstVisitID),
      num(again?.LatestVisitID),
    ]).toEqual(['IND-PAT-NEW', 2, first, second]);
    expect(again?.MatchedAt).toEqual(match?.MatchedAt);
  });

  it('matches nothing for a pixel whose Config.MatchEmail is off, and skips implausible emails', async () => {
    await t.db.query(
      `INSERT INTO ${q('PiXL.Company')} (${q('CompanyID')}, ${q('CompanyName')}) VALUES ('777', 'No matching')`,
    );
    await t.db.query(
      `INSERT INTO ${q('PiXL.Pixel')} (${q('CompanyID')}, ${q('PiXLID')}, ${q('PixelName')}) VALUES ('777', '1', 'Main')`,
    );
    await t.db.query(
      `INSERT INTO ${q('PiXL.Config')} (${q('CompanyID')}, ${q('PiXLID')}, ${q('MatchEmail')}) VALUES ('777', '1', $1)`,
      [false],
    );
    await addConsumers([
      { email: 'flag.off@example.com', individualKey: 'IND-FLAG', addressKey: 'ADR-FLAG' },
    ]);
    await addVisit({
      device: 'flag',
      email: 'flag.off@example.com',
      hid: emailSha256('flag.off@example.com') ?? '',
      minute: 2,
      company: '777',
    });
    await addVisit({ device: 'flag', email: 'not-an-email', minute: 2 });
    await addVisit({ device: 'flag', email: 'a@b.c', minute: 2 });
    await addVisit({ device: 'flag', hid: 'abc123', minute: 2 });
    expect(await matchBatch(t.db, 1000)).toMatchObject({ rowsProcessed: 4, rowsMatched: 0 });
    expect(await matchesOf('flag.off@example.com')).toEqual([]);
    expect(await matchesOf('not-an-email')).toEqual([]);
    expect(await matchesOf('abc123')).toEqual([]);
  });

  it('a hashed email from another device lands on the same person and joins one visitor', async () => {
    await addConsumers([{ email: 'Sam.Ortiz@Site.org', individualKey: 'IND-SAM', addressKey: 'ADR-SAM' }]);
    const plain = await addVisit({ device: 'sam-desktop', email: 'sam.ortiz@site.org ', minute: 10 });
    const hashed = await addVisit({
      device: 'sam-phone',
      hid: ` ${(emailSha256('SAM.ORTIZ@site.org') ?? '').toUpperCase()} `,
      minute: 20,
    });
    expect(await matchBatch(t.db, 1000)).toMatchObject({ rowsProcessed: 2, rowsMatched: 2 });
    const byType = await t.db.query<Row>(
      `SELECT ${q('MatchType')}, ${q('IndividualKey')}, ${q('LatestVisitID')} FROM ${q('PiXL.Match')}
       WHERE ${q('IndividualKey')} = 'IND-SAM' ORDER BY ${q('MatchType')}`,
    );
    expect(byType.map((r) => [r.MatchType, num(r.LatestVisitID)])).toEqual([
      ['email', plain],
      ['email_hash', hashed],
    ]);
    const devicesOfSam = await t.db.query<Row>(
      `SELECT ${q('DeviceId')}, ${q('VisitCount')}, ${q('FirstSeen')}, ${q('LastSeen')} FROM ${q('PiXL.vw_VisitorDevices')}
       WHERE ${q('IndividualKey')} = 'IND-SAM' ORDER BY ${q('FirstSeen')}`,
    );
    expect(devicesOfSam.map((r) => [num(r.DeviceId), num(r.VisitCount), r.FirstSeen, r.LastSeen])).toEqual([
      [await deviceId('sam-desktop'), 1, at(10), at(10)],
      [await deviceId('sam-phone'), 1, at(20), at(20)],
    ]);
    const visitors = await t.db.query<Row>(
      `SELECT ${q('FirstSeen')}, ${q('LastSeen')} FROM ${q('PiXL.Visitor')} WHERE ${q('IndividualKey')} = 'IND-SAM'`,
    );
    expect(visitors).toEqual([{ FirstSeen: at(10), LastSeen: at(20) }]);
  });

  it('an email with no consumer yet is matched once the consumer file gains it', async () => {
    const visit = await addVisit({ device: 'late-tablet', email: 'Late.Comer@example.net', minute: 30 });
    expect(await matchBatch(t.db, 1000)).toMatchObject({ rowsProcessed: 1, rowsMatched: 0, lateMatched: 0 });
    const [pending] = await matchesOf('late.comer@example.net');
    expect([pending?.IndividualKey, pending?.MatchedAt, num(pending?.HitCount)]).toEqual([null, null, 1]);

    // Nothing new in the file: nothing to retry.
    expect(await matchBatch(t.db, 1000)).toMatchObject({ rowsProcessed: 0, lateMatched: 0 });
    await addConsumers([
      { email: 'late.comer@example.net', individualKey: 'IND-LATE-1', addressKey: 'ADR-LATE-1' },
      { email: 'LATE.COMER@example.net', individualKey: 'IND-LATE-2', addressKey: 'ADR-LATE-2' },
    ]);
    expect(await matchBatch(t.db, 1000)).toMatchObject({ rowsProcessed: 0, lateMatched: 1 });
    const [resolved] = await matchesOf('late.comer@example.net');
    expect([resolved?.IndividualKey, resolved?.AddressKey, num(resolved?.LatestVisitID)]).toEqual([
      'IND-LATE-2',
      'ADR-LATE-2',
      visit,
    ]);
    expect(resolved?.MatchedAt).toBeInstanceOf(Date);
    const devicesOfLate = await t.db.query<Row>(
      `SELECT ${q('DeviceId')} FROM ${q('PiXL.vw_VisitorDevices')} WHERE ${q('IndividualKey')} = 'IND-LATE-2'`,
    );
    expect(devicesOfLate.map((r) => num(r.DeviceId))).toEqual([await deviceId('late-tablet')]);
  });

  it('re-processing visits already matched changes nothing', async () => {
    const snapshot = async () => ({
      match: await t.db.query(`SELECT * FROM ${q('PiXL.Match')} ORDER BY ${q('MatchId')}`),
      links: await t.db.query(
        `SELECT * FROM ${q('PiXL.MatchVisit')} ORDER BY ${q('VisitID')}, ${q('MatchType')}`,
      ),
      visitors: await t.db.query(`SELECT * FROM ${q('PiXL.Visitor')} ORDER BY ${q('VisitorId')}`),
      devices: await t.db.query(
        `SELECT * FROM ${q('PiXL.VisitorDevice')} ORDER BY ${q('VisitorId')}, ${q('DeviceId')}`,
      ),
    });
    const before = await snapshot();
    expect(before.match.length).toBeGreaterThan(3);
    await t.db.query(`UPDATE ${q('ETL.MatchWatermark')} SET ${q('LastMatchSeq')} = 0`);
    const rerun = await matchBatch(t.db, 3);
    expect(rerun).toMatchObject({ rowsProcessed: 3, rowsMatched: 0 });
    while ((await matchBatch(t.db, 3)).rowsProcessed > 0) {}
    expect(await snapshot()).toEqual(before);
  });

  it('a hit with a seeded consumer email in any case and spacing ends as a match within one ETL pass', async () => {
    const seeded = await seedConsumers(t.db, { rows: 3000, seed: 21 });
    const row = [...seeded.generator.rows(3000)].find(
      (r) => r.email && /^[a-z0-9._]+@[a-z.]+$/i.test(r.email.trim()),
    );
    const email = row?.email?.trim() as string;
    const newest = await t.db.query<Row>(
      `SELECT ${q('IndividualKey')}, ${q('AddressKey')} FROM ${q('PiXL.AutoConsumerSource')}
       WHERE ${q('EMailNorm')} = $1 ORDER BY ${q('RecordID')} DESC`,
      [email.toLowerCase()],
    );
    const hit = makeHit({
      queryString: `sw=1920&_cp_email=${encodeURIComponent(`  ${email.toUpperCase()} `)}`,
    });
    await t.db.insertHits([toHitRow(hit)]);
    // One ETL pass is parse then match; another file's open transaction can hold the parse back a moment.
    let [match] = await matchesOf(email.toLowerCase());
    for (const deadline = Date.now() + 20_000; !match && Date.now() < deadline; ) {
      await parseBatch(t.db, 10_000);
      await matchBatch(t.db, 1000);
      [match] = await matchesOf(email.toLowerCase());
    }
    expect([match?.IndividualKey, match?.AddressKey]).toEqual([
      newest[0]?.IndividualKey,
      newest[0]?.AddressKey,
    ]);
  });
});

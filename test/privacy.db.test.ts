/**
 * Privacy controls on every engine (docs/PRIVACY.md): GPC / DNT opt-outs, IP truncation, erasure with its audit
 * and suppression, retention, and the one-company export. Hits go through the writer's privacy step and the
 * real ETL procedures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HitRow, Row } from '../src/db/types.js';
import { etlSteps, retentionStep, runEtlPass } from '../src/etl/runEtl.js';
import { emailSha256 } from '../src/identity/email.js';
import { applyPrivacy } from '../src/privacy/applyPrivacy.js';
import { erasePerson } from '../src/privacy/erase.js';
import { runRetention } from '../src/privacy/retention.js';
import { PrivacySettings } from '../src/privacy/settings.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { etlUntilParsed } from './support/etlUntilParsed.js';
import { makeHit } from './support/hits.js';
import { landReleasedHits } from './support/releasedHits.js';

const ETL = { batchSize: 1000, timeBudgetMs: 60_000, matchBatchSize: 1000 };

describe.each(enginesUnderTest())('privacy controls on $name', (engine) => {
  let t: TestDatabase;
  let nextRecord = 7_000_000;
  const q = (name: string) => t.db.name(name);
  const consumerTable = () => (t.db.engine === 'mssql' ? 'dbo.AutoConsumer' : 'public.AutoConsumer');

  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  async function addCompany(
    id: string,
    columns: Record<string, boolean | number> = {},
    pixel?: Record<string, boolean | number>,
  ) {
    await t.db.query(
      `INSERT INTO ${q('PiXL.Company')} (${q('CompanyID')}, ${q('CompanyName')}) VALUES ($1, $1)`,
      [id],
    );
    await t.db.query(
      `INSERT INTO ${q('PiXL.Pixel')} (${q('CompanyID')}, ${q('PiXLID')}, ${q('PixelName')}) VALUES ($1, '1', 'Main')`,
      [id],
    );
    for (const [column, value] of Object.entries(columns)) {
      await t.db.query(`UPDATE ${q('PiXL.Company')} SET ${q(column)} = $2 WHERE ${q('CompanyID')} = $1`, [
        id,
        value,
      ]);
    }
    if (pixel) {
      await t.db.query(
        `INSERT INTO ${q('PiXL.Config')} (${q('CompanyID')}, ${q('PiXLID')}) VALUES ($1, '1')`,
        [id],
      );
      for (const [column, value] of Object.entries(pixel)) {
        await t.db.query(`UPDATE ${q('PiXL.Config')} SET ${q(column)} = $2 WHERE ${q('CompanyID')} = $1`, [
          id,
          value,
        ]);
      }
    }
  }

  async function addConsumer(email: string, individualKey: string) {
    await t.db.bulkLoad(
      consumerTable(),
      [
        { name: 'RecordID', type: 'bigint' },
        { name: 'EMail', type: 'text', length: 255 },
        { name: 'IndividualKey', type: 'text', length: 35 },
        { name: 'AddressKey', type: 'text', length: 35 },
      ],
      [[nextRecord++, email, individualKey, `ADR-${individualKey}`]],
    );
  }

  interface HitSpec {
    company: string;
    email?: string;
    hid?: string;
    device?: string;
    ip?: string;
    headers?: Record<string, string>;
    /** Further query-string pairs, appended as given (already encoded). */
    query?: string;
    receivedAt?: Date;
  }

  /** Hits as the writer lands them: privacy applied with the settings stored now. */
  async function land(specs: HitSpec[], applied = true): Promise<HitRow[]> {
    const settings = new PrivacySettings(await t.db.readPrivacySettings());
    const rows = specs.map((s) => {
      const params = new URLSearchParams({
        sw: '1920',
        canvasFP: `canvas-${s.device ?? 'none'}`,
        webglFP: 'w',
        audioHash: 'a',
      });
      if (s.email !== undefined) params.set('_cp_email', s.email);
      if (s.hid !== undefined) params.set('_cp_hid', s.hid);
      params.set('_cp_page', 'pricing');
      const row = toHitRow(
        makeHit({
          companyId: s.company,
          ip: s.ip ?? '203.0.113.7',
          queryString: s.query === undefined ? params.toString() : `${params.toString()}&${s.query}`,
          headers: { 'User-Agent': 'Mozilla/5.0 test', ...s.headers },
          receivedAt: (s.receivedAt ?? new Date()).toISOString(),
        }),
      );
      return applied ? applyPrivacy(row, settings) : row;
    });
    await t.db.insertHits(rows);
    return rows;
  }

  const etl = () => etlUntilParsed(t.db);

  /** The parse step alone, until no raw row is left unparsed (an erased one is gone). */
  async function parseOnly() {
    const settings = { batchSize: 1000, timeBudgetMs: 60_000, matchBatchSize: 1000 };
    for (let pass = 0; ; pass++) {
      await runEtlPass(t.db, settings, undefined, etlSteps(settings).slice(0, 1));
      const [left] = await t.db.query(
        `SELECT COUNT(*) AS n FROM ${q('PiXL.Test')} t
         WHERE NOT EXISTS (SELECT 1 FROM ${q('PiXL.Parsed')} p WHERE p.${q('SourceId')} = t.${q('Id')})`,
      );
      if (Number(left?.n) === 0) return;
      if (pass > 100) throw new Error('the parse did not catch up');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function visitsOf(company: string): Promise<Row[]> {
    return t.db.query(
      `SELECT v.${q('VisitID')} AS id, v.${q('PrivacyOptOut')} AS optout, v.${q('MatchEmail')} AS email,
         ${t.db.engine === 'mssql' ? `CAST(v.ClientParamsJson AS NVARCHAR(MAX))` : `v."ClientParamsJson"::text`} AS params,
         (SELECT COUNT(*) FROM ${q('PiXL.MatchVisit')} mv WHERE mv.${q('VisitID')} = v.${q('VisitID')}) AS links
       FROM ${q('PiXL.Visit')} v WHERE v.${q('CompanyID')} = $1 ORDER BY v.${q('VisitID')}`,
      [company],
    );
  }

  it('a hit with Sec-GPC: 1 is parsed with its signals but never matched, and keeps no client params', async () => {
    await addCompany('GPC1');
    await addConsumer('gpc.person@example.org', 'IND-GPC');
    await land([
      { company: 'GPC1', email: 'gpc.person@example.org', device: 'gpc-only', headers: { 'Sec-GPC': '1' } },
      { company: 'GPC1', email: 'gpc.person@example.org', device: 'gpc' },
    ]);
    await etl();
    const [optedOut, plain] = await visitsOf('GPC1');
    expect(optedOut).toMatchObject({ email: null, params: null });
    expect(Boolean(optedOut?.optout)).toBe(true);
    expect(Number(optedOut?.links)).toBe(0);
    expect(Boolean(plain?.optout)).toBe(false);
    expect(plain?.email).toBe('gpc.person@example.org');
    expect(Number(plain?.links)).toBe(1);
    // The person became a visitor through the plain hit; the opted-out hit's device never joined them.
    const visitorDevices = await t.db.query(
      `SELECT v.${q('VisitID')} AS id FROM ${q('PiXL.Visit')} v
       JOIN ${q('PiXL.VisitorDevice')} vd ON vd.${q('DeviceId')} = v.${q('DeviceId')}
       JOIN ${q('PiXL.Visitor')} vr ON vr.${q('VisitorId')} = vd.${q('VisitorId')} AND vr.${q('IndividualKey')} = 'IND-GPC'
       WHERE v.${q('CompanyID')} = 'GPC1' ORDER BY v.${q('VisitID')}`,
    );
    expect(visitorDevices.map((r) => String(r.id))).toEqual([String(plain?.id)]);
    // Still counted with its signals: the Parsed row is there and the device and address carry it.
    const [parsed] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.Parsed')} WHERE ${q('SourceId')} = $1 AND ${q('ScreenWidth')} = 1920`,
      [optedOut?.id],
    );
    expect(Number(parsed?.n)).toBe(1);
    // The raw row never held the client params (its parameters are stored once, decoded).
    const [raw] = await t.db.query(
      `SELECT ${q('QueryString')} AS qs, ${q('ParamsJson')} AS params, ${q('ClientParamsJson')} AS client
       FROM ${q('PiXL.Test')} WHERE ${q('Id')} = $1`,
      [optedOut?.id],
    );
    const decoded = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);
    expect(Object.keys(decoded(raw?.params)).filter((k) => k.startsWith('_cp_'))).toEqual([]);
    expect(decoded(raw?.params).sw).toBe('1920');
    expect(decoded(raw?.client)).toEqual({});
    expect(raw?.qs).toBeNull();
  });

  it('the parse drops client params of an opted-out hit the writer did not strip (settings changed meanwhile)', async () => {
    await addCompany('GPC2');
    await land(
      [{ company: 'GPC2', email: 'late.setting@example.org', device: 'g2', headers: { 'Sec-GPC': ' 1 ' } }],
      false,
    );
    await etl();
    const [visit] = await visitsOf('GPC2');
    expect(visit).toMatchObject({ email: null, params: null });
    expect(Boolean(visit?.optout)).toBe(true);
  });

  it('GPC is not honoured where the company turned it off; DNT only where a company or pixel honours it', async () => {
    await addCompany('NOGPC', { HonorGPC: false });
    await addCompany('DNTPIXEL', {}, { HonorDNT: true });
    await addConsumer('dnt.person@example.org', 'IND-DNT');
    await land([
      { company: 'NOGPC', email: 'dnt.person@example.org', headers: { 'Sec-GPC': '1' } },
      { company: 'NOGPC', email: 'dnt.person@example.org', headers: { DNT: '1' } },
      { company: 'DNTPIXEL', email: 'dnt.person@example.org', headers: { DNT: '1' } },
    ]);
    await etl();
    const nogpc = await visitsOf('NOGPC');
    expect(nogpc.map((v) => [Boolean(v.optout), Number(v.links)])).toEqual([
      [false, 1],
      [false, 1],
    ]);
    const [dnt] = await visitsOf('DNTPIXEL');
    expect([Boolean(dnt?.optout), Number(dnt?.links), dnt?.params]).toEqual([true, 0, null]);
  });

  it('with IP truncation on, PiXL.Test holds the /24 or /48 and the address headers are truncated too', async () => {
    await addCompany('TRUNC', { TruncateIP: true });
    const rows = await land([
      {
        company: 'TRUNC',
        ip: '198.51.100.77',
        headers: { 'X-Forwarded-For': '10.1.2.3, 198.51.100.77:4431', 'Client-IP': '198.51.100.77:5000' },
        // The collector's WebRTC host candidate: the device's own address when it has a public one.
        query: 'localIp=198.51.100.77',
      },
      { company: 'TRUNC', ip: '2001:db8:abcd:12:3456::1', query: 'localIp=not-an-address' },
      { company: 'GPC1', ip: '198.51.100.77', query: 'localIp=198.51.100.77' },
      // A repeated key keeps the raw query string beside the parameters: its address is truncated too.
      { company: 'TRUNC', ip: '198.51.100.78', query: 'localIp=203.0.113.99&sw=1' },
    ]);
    const stored = await t.db.query(
      `SELECT ${q('IPAddress')} AS ip, ${t.db.engine === 'mssql' ? 'CAST(HeadersJson AS NVARCHAR(MAX))' : '"HeadersJson"::text'} AS headers,
         ${t.db.engine === 'mssql' ? 'CAST(ParamsJson AS NVARCHAR(MAX))' : '"ParamsJson"::text'} AS params, ${q('QueryString')} AS qs
       FROM ${q('PiXL.Test')} WHERE ${q('HitId')} IN ($1, $2, $3, $4) ORDER BY ${q('Id')}`,
      rows.map((r) => r.hitId),
    );
    expect(stored.map((s) => s.ip)).toEqual([
      '198.51.100.0',
      '2001:db8:abcd::',
      '198.51.100.77',
      '198.51.100.0',
    ]);
    const headers = JSON.parse(String(stored[0]?.headers)) as Record<string, string>;
    expect(headers['X-Forwarded-For']).toBe('10.1.2.0, 198.51.100.0');
    expect(headers['Client-IP']).toBe('198.51.100.0');
    const localIps = stored.map((s) => (JSON.parse(String(s.params)) as Record<string, string>).localIp);
    expect(localIps).toEqual(['198.51.100.0', undefined, '198.51.100.77', '203.0.113.0']);
    expect(stored[3]?.qs).toContain('localIp=203.0.113.0&');
    expect(String(stored[3]?.qs)).not.toContain('203.0.113.99');
    await etl();
    const parsedLocal = await t.db.query(
      `SELECT ${q('WebRTCLocalIP')} AS ip FROM ${q('PiXL.Parsed')} p JOIN ${q('PiXL.Test')} r ON r.${q('Id')} = p.${q('SourceId')}
       WHERE r.${q('HitId')} IN ($1, $2) ORDER BY p.${q('SourceId')}`,
      [rows[0]?.hitId, rows[3]?.hitId],
    );
    expect(parsedLocal.map((r) => r.ip)).toEqual(['198.51.100.0', '203.0.113.0']);
    const ips = await t.db.query(
      `SELECT ${q('IPAddress')} AS ip FROM ${q('PiXL.IP')} WHERE ${q('IPAddress')} LIKE '198.51.100.%'`,
    );
    expect(ips.map((r) => r.ip).sort()).toEqual(['198.51.100.0', '198.51.100.77']);
  });

  /** Tables (schema.name) with a row whose text holds any of `needles`. */
  async function tablesHolding(needles: string[]): Promise<string[]> {
    const columns = await t.db.query<{ s: string; n: string; c: string }>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, COLUMN_NAME AS c FROM INFORMATION_SCHEMA.COLUMNS
       WHERE TABLE_SCHEMA IN ('PiXL', 'ETL', 'dbo', 'public') AND TABLE_NAME IN (
         SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE')`,
    );
    const tables = new Map<string, string[]>();
    for (const { s, n, c } of columns) tables.set(`${s}.${n}`, [...(tables.get(`${s}.${n}`) ?? []), c]);
    const found: string[] = [];
    for (const [table, cols] of tables) {
      const text = cols
        .map((c) =>
          t.db.engine === 'mssql'
            ? `COALESCE(LOWER(CAST(${q(c)} AS NVARCHAR(MAX))), N'')`
            : `coalesce(lower(${q(c)}::text), '')`,
        )
        .join(t.db.engine === 'mssql' ? ' + ' : ' || ');
      const [row] = await t.db.query(
        `SELECT COUNT(*) AS n FROM ${q(table)} WHERE ${needles.map((_, i) => `(${text}) LIKE $${i + 1}`).join(' OR ')}`,
        needles.map((n) => `%${n.toLowerCase()}%`),
      );
      if (Number(row?.n) > 0) found.push(table);
    }
    return found.sort();
  }

  it('erasure by email removes every trace, never another person, is audited by hash, and suppresses later hits', async () => {
    await addCompany('ERASE');
    await addCompany('OTHER');
    const email = 'x@example.org';
    const hash = emailSha256(email) as string;
    await addConsumer('X@Example.org', 'IND-X');
    await addConsumer('y@example.org', 'IND-Y');
    await land([
      { company: 'ERASE', email: ' X@EXAMPLE.ORG', device: 'x-phone', ip: '192.0.2.10' },
      { company: 'ERASE', hid: hash.toUpperCase(), device: 'x-laptop', ip: '192.0.2.11' },
      { company: 'OTHER', email, device: 'x-phone', ip: '192.0.2.10' },
      // Another person on the same device and address: untouched.
      { company: 'ERASE', email: 'y@example.org', device: 'x-phone', ip: '192.0.2.10' },
    ]);
    await etl();
    // Not yet parsed: a raw hit landed after the last ETL pass.
    await land([{ company: 'ERASE', email, device: 'x-tablet', ip: '192.0.2.12' }]);
    expect(await tablesHolding([email, hash])).toEqual(
      expect.arrayContaining(['PiXL.Test', 'PiXL.Visit', 'PiXL.Match']),
    );
    const [before] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.Visitor')} WHERE ${q('IndividualKey')} = 'IND-X'`,
    );
    expect(Number(before?.n)).toBe(1);

    const result = await erasePerson(t.db, { email: 'X@example.org', consumerFile: true });
    expect(result.removed).toMatchObject({ Test: 4, Visit: 3, Parsed: 3, Match: 3, Visitor: 1 });
    expect(result.removed.AutoConsumer).toBe(1);
    expect(result.removed.Device).toBe(1); // x-laptop; x-phone is still y's device
    expect(result.removed.IP).toBe(1); // 192.0.2.11
    // Nor is the address left in the behaviour signals' look-back.
    const [look] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${q('ETL.SignalHit')} WHERE ${q('IPAddress')} = '192.0.2.11'`,
    );
    expect(Number(look?.n)).toBe(0);

    // No table holds the address or its hash, except the audit and the suppression list, which hold the hash.
    expect(await tablesHolding([email, hash])).toEqual(['PiXL.ErasureRequest', 'PiXL.ErasureSuppression']);
    const [audit] = await t.db.query(
      `SELECT ${q('EmailSha256')} AS h, ${q('CompanyID')} AS c, ${t.db.engine === 'mssql' ? 'CAST(Removed AS NVARCHAR(MAX))' : '"Removed"::text'} AS removed
       FROM ${q('PiXL.ErasureRequest')} WHERE ${q('ErasureId')} = $1`,
      [result.erasureId],
    );
    expect(audit?.h).toBe(hash);
    expect(audit?.c).toBeNull();
    expect(JSON.parse(String(audit?.removed))).toMatchObject({ Test: 4, Visit: 3, Match: 3 });

    // y is untouched: the visit, the shared device and address, the match.
    const y = await visitsOf('ERASE');
    expect(y.map((v) => v.email)).toEqual(['y@example.org']);
    expect(Number(y[0]?.links)).toBe(1);

    // The person comes back (or a hit was still queued): erased by the parse itself, raw row included, so no
    // later step (classify, match, an export) ever sees it.
    await land([{ company: 'OTHER', email: 'x@EXAMPLE.org', device: 'x-new', ip: '192.0.2.13' }]);
    await parseOnly();
    expect(await visitsOf('OTHER')).toEqual([]);
    expect(await tablesHolding([email, hash])).toEqual(['PiXL.ErasureRequest', 'PiXL.ErasureSuppression']);
    await etl();
    expect(await tablesHolding([email, hash])).toEqual(['PiXL.ErasureRequest', 'PiXL.ErasureSuppression']);
    const [suppression] = await t.db.query(
      `SELECT ${q('LateHitsErased')} AS n FROM ${q('PiXL.ErasureSuppression')} WHERE ${q('EmailSha256')} = $1`,
      [hash],
    );
    expect(Number(suppression?.n)).toBe(1);
  });

  it('erasure scoped to one company leaves the same person at another company alone', async () => {
    await addCompany('SCOPE1');
    await addCompany('SCOPE2');
    await addConsumer('z@example.net', 'IND-Z');
    await land([
      { company: 'SCOPE1', email: 'z@example.net', device: 'z1' },
      { company: 'SCOPE2', email: 'z@example.net', device: 'z2' },
    ]);
    await etl();
    const result = await erasePerson(t.db, { email: 'z@example.net', companyId: 'SCOPE1' });
    expect(result.removed).toMatchObject({ Test: 1, Visit: 1, Match: 1, Visitor: 0 });
    expect((await visitsOf('SCOPE1')).length).toBe(0);
    expect((await visitsOf('SCOPE2')).map((v) => v.email)).toEqual(['z@example.net']);
    // A later hit at SCOPE2 is still matched; at SCOPE1 it is erased.
    await land([
      { company: 'SCOPE1', email: 'z@example.net', device: 'z1' },
      { company: 'SCOPE2', email: 'z@example.net', device: 'z2' },
    ]);
    await etl();
    expect((await visitsOf('SCOPE1')).length).toBe(0);
    expect((await visitsOf('SCOPE2')).map((v) => Number(v.links))).toEqual([1, 1]);
  });

  it('erasure by hash finds visits by email and by hid; a full raw scan also finds a kept opted-out hit', async () => {
    await addCompany('HASHED');
    const email = 'w@example.com';
    const hash = emailSha256(email) as string;
    await land([
      { company: 'HASHED', email: 'W@example.com', device: 'w1' },
      { company: 'HASHED', hid: ` ${hash.toUpperCase()} `, device: 'w2' },
    ]);
    // Written while the company did not honour GPC yet: the raw row kept its params; the parse opts it out.
    await land([{ company: 'HASHED', email, device: 'w3', headers: { 'Sec-GPC': '1' } }], false);
    await etl();
    const first = await erasePerson(t.db, { hid: hash, companyId: 'HASHED' });
    expect(first.removed).toMatchObject({ Test: 2, Visit: 2 });
    expect(await tablesHolding([email])).toEqual(['PiXL.Test']);
    const second = await erasePerson(t.db, { email, companyId: 'HASHED', scanAllRaw: true });
    expect(second.removed).toMatchObject({ Test: 1, Visit: 1 });
    expect(await tablesHolding([email, hash])).toEqual(['PiXL.ErasureRequest', 'PiXL.ErasureSuppression']);
  });

  it('erasure finds unparsed hits landed before the writer stored client params apart, by email and by hid', async () => {
    await addCompany('RELEASED');
    const email = 'v@example.com';
    const released = (query: string) =>
      toHitRow(
        makeHit({
          companyId: 'RELEASED',
          queryString: `sw=1&${query}`,
          receivedAt: new Date().toISOString(),
        }),
      );
    const rows = [
      released(`_cp_email=${encodeURIComponent(' V@Example.com ')}`),
      released(`_cp_hid=${emailSha256(email)}`),
      released(`_cp_email=${encodeURIComponent('other@example.com')}`),
    ];
    await landReleasedHits(t.db, rows);
    const result = await erasePerson(t.db, { email, companyId: 'RELEASED' });
    expect(result.removed).toMatchObject({ Test: 2 });
    const [left] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.Test')} WHERE ${q('CompanyID')} = 'RELEASED'`,
    );
    expect(Number(left?.n)).toBe(1);
  });

  it('an export holds one company only, although two companies share a device and an address', async () => {
    await addCompany('EXPA');
    await addCompany('EXPB');
    await addConsumer('a.person@example.com', 'IND-A');
    await addConsumer('b.person@example.com', 'IND-B');
    await land([
      { company: 'EXPA', email: 'a.person@example.com', device: 'shared', ip: '192.0.2.50' },
      { company: 'EXPB', email: 'b.person@example.com', device: 'shared', ip: '192.0.2.50' },
      {
        company: 'EXPA',
        email: 'a.person@example.com',
        device: 'shared',
        ip: '192.0.2.50',
        headers: { 'Sec-GPC': '1' },
      },
    ]);
    await etl();
    const a = await t.db.exportCompany('EXPA');
    const b = await t.db.exportCompany('EXPB');
    expect(a.map((r) => r.IndividualKey)).toEqual(['IND-A']);
    expect(b.map((r) => r.IndividualKey)).toEqual(['IND-B']);
    expect(a[0]?.DeviceId).toBe(b[0]?.DeviceId);
    expect(a[0]?.IPAddress).toBe('192.0.2.50');
    // The person is one visitor across companies internally; the export never follows that link.
    expect(JSON.stringify(a)).not.toContain('IND-B');
  });

  it('npm run data:retention removes rows older than RetentionDays and nothing newer', async () => {
    await addCompany('RET', { RetentionDays: 30 }, { RetentionDays: 400 });
    await addCompany('RETP', {}, { RetentionDays: 5 });
    await addConsumer('old.person@example.com', 'IND-OLD');
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
    await land([
      {
        company: 'RET',
        email: 'old.person@example.com',
        device: 'old-only',
        ip: '192.0.2.90',
        receivedAt: daysAgo(40),
      },
      {
        company: 'RET',
        email: 'new.person@example.com',
        device: 'new',
        ip: '192.0.2.91',
        receivedAt: daysAgo(20),
      },
      { company: 'RETP', device: 'p', ip: '192.0.2.92', receivedAt: daysAgo(6) },
      { company: 'RETP', device: 'p', ip: '192.0.2.92', receivedAt: daysAgo(1) },
    ]);
    await etl();
    const count = async (table: string, company: string) =>
      Number(
        (await t.db.query(`SELECT COUNT(*) AS n FROM ${q(table)} WHERE ${q('CompanyID')} = $1`, [company]))[0]
          ?.n,
      );
    expect([
      await count('PiXL.Test', 'RET'),
      await count('PiXL.Visit', 'RET'),
      await count('PiXL.Match', 'RET'),
    ]).toEqual([2, 2, 2]);
    // The timer's step, one visit a batch: both expired visits go, nothing else.
    const reports = await runEtlPass(t.db, ETL, undefined, [retentionStep(1)]);
    expect(reports[0]?.totals.VisitsPurged).toBe(2);
    // What `npm run data:retention` runs: also the sweep of visitors, devices and addresses nothing refers to.
    const run = await runRetention(t.db, 2);
    expect(run.removed.VisitsPurged).toBe(0);
    expect(run.removed.VisitorRows).toBeGreaterThanOrEqual(1);
    expect([
      await count('PiXL.Test', 'RET'),
      await count('PiXL.Parsed', 'RET'),
      await count('PiXL.Visit', 'RET'),
      await count('PiXL.Match', 'RET'),
    ]).toEqual([1, 1, 1, 1]);
    expect([await count('PiXL.Test', 'RETP'), await count('PiXL.Visit', 'RETP')]).toEqual([1, 1]);
    const [oldVisitor] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.Visitor')} WHERE ${q('IndividualKey')} = 'IND-OLD'`,
    );
    expect(Number(oldVisitor?.n)).toBe(0);
    const [oldIp] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.IP')} WHERE ${q('IPAddress')} = '192.0.2.90'`,
    );
    expect(Number(oldIp?.n)).toBe(0);
    const [kept] = await t.db.query(
      `SELECT COUNT(*) AS n FROM ${q('PiXL.IP')} WHERE ${q('IPAddress')} IN ('192.0.2.91', '192.0.2.92')`,
    );
    expect(Number(kept?.n)).toBe(2);
  });

  it('a RetentionDays beyond the calendar keeps everything, and the pass still runs for every other pixel', async () => {
    // 2147483647 days reach back past what either engine's timestamps hold (0001-01-01 on SQL Server).
    await addCompany('RETMAX', { RetentionDays: 2_147_483_647 });
    await addCompany('RETMIN', { RetentionDays: 1 });
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
    await land([
      { company: 'RETMAX', device: 'kept', ip: '192.0.2.93', receivedAt: daysAgo(4000) },
      { company: 'RETMIN', device: 'gone', ip: '192.0.2.94', receivedAt: daysAgo(3) },
    ]);
    await etl();
    const run = await runRetention(t.db, 10);
    expect(run.removed.VisitsPurged).toBe(1);
    const visits = async (company: string) =>
      Number(
        (
          await t.db.query(`SELECT COUNT(*) AS n FROM ${q('PiXL.Visit')} WHERE ${q('CompanyID')} = $1`, [
            company,
          ])
        )[0]?.n,
      );
    expect([await visits('RETMAX'), await visits('RETMIN')]).toEqual([1, 0]);
  });
});

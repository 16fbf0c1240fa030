/**
 * Privacy controls as a user runs them: real HTTP into the local runner, the real Azurite queue and hit-writer,
 * PostgreSQL, the ETL, and the `npm run data:erase` / `data:retention` commands as child processes.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSettings } from '../src/config.js';
import { emailSha256 } from '../src/identity/email.js';
import { type LocalHost, startLocalHost } from '../src/local/host.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { etlUntilParsed } from './support/etlUntilParsed.js';

const postgres = enginesUnderTest().find((e) => e.name === 'postgres');
const run = promisify(execFile);

describe('privacy end to end', () => {
  let t: TestDatabase;
  let host: LocalHost;
  const connection = inject('azuriteConnectionString');
  const q = (name: string) => t.db.name(name);

  beforeAll(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create();
    for (const [company, truncate] of [
      ['PRIV', false],
      ['TRUNC', true],
    ] as const) {
      await t.db.query(
        `INSERT INTO "PiXL"."Company" ("CompanyID", "CompanyName", "TruncateIP") VALUES ($1, $1, $2)`,
        [company, truncate],
      );
    }
    await t.db.bulkLoad(
      'public.AutoConsumer',
      [
        { name: 'RecordID', type: 'bigint' },
        { name: 'EMail', type: 'text', length: 255 },
        { name: 'IndividualKey', type: 'text', length: 35 },
      ],
      [
        [9_000_001, 'gpc.user@example.org', 'IND-GPC-USER'],
        [9_000_002, 'x@example.org', 'IND-X'],
      ],
    );
    host = await startLocalHost(
      parseSettings({
        DATABASE_URL: t.connectionString,
        AzureWebJobsStorage: connection,
        PIXEL_QUEUE_NAME: `hits-${randomBytes(4).toString('hex')}`,
        CLIENT_IP_SOURCES: 'x-forwarded-for',
      }),
      { port: 0, timers: false, queues: { visibilityTimeoutMs: 0, maxPollingIntervalMs: 200 } },
    );
  });
  afterAll(async () => {
    await host?.stop();
    await t?.drop();
  });

  async function hit(company: string, query: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(`${host.url}/${company}/1_SMART.GIF?${query}`, { headers });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }

  async function landed(count: number): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const [row] = await t.db.query('SELECT count(*) AS n FROM "PiXL"."Test"');
      if (Number(row?.n) >= count) return;
      await sleep(100);
    }
    throw new Error(`fewer than ${count} hits landed`);
  }

  const etl = () => etlUntilParsed(t.db);

  function cli(script: string, ...args: string[]) {
    return run(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_ENGINE: 'postgres', DATABASE_URL: t.connectionString },
    });
  }

  it('a Sec-GPC hit is parsed but never matched; with truncation on, PiXL.Test holds the /24', async () => {
    await hit('PRIV', 'sw=1920&canvasFP=c1&_cp_email=GPC.User%40example.org&_cp_plan=gold', {
      'Sec-GPC': '1',
      'X-Forwarded-For': '192.0.2.44',
    });
    await hit('PRIV', 'sw=1280&canvasFP=c1&_cp_email=gpc.user%40example.org', {
      'X-Forwarded-For': '192.0.2.44',
    });
    await hit('TRUNC', 'sw=1024', { 'X-Forwarded-For': '10.9.8.7, 198.51.100.201' });
    await landed(3);
    await etl();

    const raw = await t.db.query<{
      CompanyID: string;
      IPAddress: string;
      QueryString: string | null;
      ParamsJson: Record<string, string>;
    }>('SELECT "CompanyID", "IPAddress", "QueryString", "ParamsJson" FROM "PiXL"."Test" ORDER BY "Id"');
    const trunc = raw.find((r) => r.CompanyID === 'TRUNC');
    expect(trunc?.IPAddress).toBe('198.51.100.0');
    expect(raw.filter((r) => r.CompanyID === 'PRIV').map((r) => r.IPAddress)).toEqual([
      '192.0.2.44',
      '192.0.2.44',
    ]);
    // Stored without its client params; the decoded parameters hold all of it, so no raw copy is kept.
    const gpcRaw = raw.find((r) => r.ParamsJson.sw === '1920');
    expect(gpcRaw?.ParamsJson).toEqual({ sw: '1920', canvasFP: 'c1' });
    expect(gpcRaw?.QueryString).toBeNull();

    // Ordered by screen width, not VisitID: the writer may land the two queue messages in either order.
    const visits = await t.db.query<{
      sw: number;
      PrivacyOptOut: boolean;
      MatchEmail: string | null;
      links: number;
    }>(
      `SELECT p."ScreenWidth" AS sw, v."PrivacyOptOut", v."MatchEmail",
         (SELECT count(*) FROM "PiXL"."MatchVisit" mv WHERE mv."VisitID" = v."VisitID") AS links
       FROM "PiXL"."Visit" v JOIN "PiXL"."Parsed" p ON p."SourceId" = v."VisitID"
       WHERE v."CompanyID" = 'PRIV' ORDER BY p."ScreenWidth" DESC`,
    );
    expect(visits.map((v) => [v.sw, v.PrivacyOptOut, v.MatchEmail, Number(v.links)])).toEqual([
      [1920, true, null, 0],
      [1280, false, 'gpc.user@example.org', 1],
    ]);
    const exported = await t.db.exportCompany('PRIV');
    expect(exported.map((r) => r.IndividualKey)).toEqual(['IND-GPC-USER']);
  });

  it('npm run data:erase -- --email x@example.org leaves no row holding it, and a later hit is not matched', async () => {
    const hash = emailSha256('x@example.org') as string;
    await hit('PRIV', 'sw=800&canvasFP=x1&_cp_email=x%40example.org', { 'X-Forwarded-For': '192.0.2.60' });
    await hit('PRIV', `sw=801&canvasFP=x2&_cp_hid=${hash}`, { 'X-Forwarded-For': '192.0.2.61' });
    await landed(5);
    await etl();
    const [matched] = await t.db.query(
      `SELECT count(*) AS n FROM "PiXL"."Match" WHERE "IndividualKey" = 'IND-X'`,
    );
    expect(Number(matched?.n)).toBe(2);

    const { stdout } = await cli('erase', '--email', 'x@example.org', '--consumer-file');
    const answer = JSON.parse(stdout) as { emailSha256: string; removed: Record<string, number> };
    expect(answer.emailSha256).toBe(hash);
    expect(answer.removed).toMatchObject({
      Test: 2,
      Parsed: 2,
      Visit: 2,
      Match: 2,
      Visitor: 1,
      AutoConsumer: 1,
    });

    const holding = await t.db.query<{ table: string }>(
      `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind = 'r' AND n.nspname IN ('PiXL', 'ETL', 'public')`,
    );
    const found: string[] = [];
    for (const { table } of holding) {
      const schema = (
        await t.db.query<{ s: string }>(
          `SELECT n.nspname AS s FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND c.relkind = 'r'`,
          [table],
        )
      )[0]?.s as string;
      const [row] = await t.db.query(
        `SELECT count(*) AS n FROM ${q(`${schema}.${table}`)} t WHERE lower(t::text) LIKE '%x@example.org%' OR lower(t::text) LIKE $1 OR t::text LIKE '%x\\%40example.org%'`,
        [`%${hash}%`],
      );
      if (Number(row?.n) > 0) found.push(table);
    }
    expect(found.sort()).toEqual(['ErasureRequest', 'ErasureSuppression']);

    // The person comes back: landed, then erased by the ETL and never matched.
    await hit('PRIV', 'sw=802&canvasFP=x3&_cp_email=X%40Example.org', { 'X-Forwarded-For': '192.0.2.62' });
    await landed(4);
    await sleep(300);
    await etl();
    const [late] = await t.db.query(
      `SELECT count(*) AS n FROM "PiXL"."Test" WHERE "ParamsJson" ->> '_cp_email' ILIKE 'x@example.org'`,
    );
    expect(Number(late?.n)).toBe(0);
    const [noMatch] = await t.db.query(
      `SELECT count(*) AS n FROM "PiXL"."Match" WHERE "IndividualKey" = 'IND-X'`,
    );
    expect(Number(noMatch?.n)).toBe(0);
  });

  it('npm run data:retention removes rows older than RetentionDays', async () => {
    await t.db.query(`UPDATE "PiXL"."Company" SET "RetentionDays" = 30 WHERE "CompanyID" = 'PRIV'`);
    // Make the GPC test's two visits 40 days old (ingest stamps the time of arrival).
    await t.db.query(
      `UPDATE "PiXL"."Visit" SET "ReceivedAt" = "ReceivedAt" - interval '40 days' WHERE "CompanyID" = 'PRIV' AND "VisitID" IN (
         SELECT "SourceId" FROM "PiXL"."Parsed" WHERE "ScreenWidth" IN (1920, 1280))`,
    );
    const before = await t.db.query(`SELECT count(*) AS n FROM "PiXL"."Test" WHERE "CompanyID" = 'PRIV'`);
    const { stdout } = await cli('retention');
    expect(stdout).toContain('"VisitsPurged":2');
    const after = await t.db.query(`SELECT count(*) AS n FROM "PiXL"."Test" WHERE "CompanyID" = 'PRIV'`);
    expect(Number(before[0]?.n) - Number(after[0]?.n)).toBe(2);
    const widths = await t.db.query<{ w: number }>(
      `SELECT "ScreenWidth" AS w FROM "PiXL"."Parsed" WHERE "CompanyID" = 'PRIV' ORDER BY 1`,
    );
    expect(widths.map((r) => r.w)).not.toContain(1920);
    expect(widths.map((r) => r.w)).not.toContain(1280);
  });
});

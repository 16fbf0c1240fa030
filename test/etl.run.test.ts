/**
 * The ETL pass (timer `etl` and `npm run etl`): batches until caught up or out of budget, the optional match
 * step, and GET /api/health over the pipeline view.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSettings, useSettings } from '../src/config.js';
import { camelCase, pipelineHealth } from '../src/etl/health.js';
import {
  ETL_PASS_LOCK,
  EtlPassError,
  type EtlStep,
  etlSteps,
  retentionStep,
  runEtlPass,
} from '../src/etl/runEtl.js';
import { HttpRequest, InvocationContext } from '../src/runtime/azureFunctions.js';
import { closeServices } from '../src/runtime/services.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';

const THRESHOLDS = {
  parseLag: { warning: 5, critical: 20 },
  matchLag: { warning: 1000, critical: 2000 },
  queueBacklog: { warning: 100, critical: 1000 },
};

/** A stand-in usp_MatchVisits with the reference's result columns, so the step list can be exercised. */
const FAKE_MATCH: Record<string, string> = {
  postgres: `CREATE FUNCTION "ETL"."usp_MatchVisits"("BatchSize" integer)
    RETURNS TABLE ("RowsProcessed" integer, "RowsMatched" integer, "FromId" bigint, "ToId" bigint)
    LANGUAGE sql AS $$ SELECT 0, 0, NULL::bigint, NULL::bigint $$`,
  mssql: `CREATE PROCEDURE ETL.usp_MatchVisits @BatchSize INT AS
    SELECT 0 AS RowsProcessed, 0 AS RowsMatched, CAST(NULL AS BIGINT) AS FromId, CAST(NULL AS BIGINT) AS ToId`,
};

const context = () => new InvocationContext({ functionName: 'test', invocationId: 'test' });

describe.each(enginesUnderTest())('ETL pass and health on $name', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
    // Function modules read the settings when loaded: point them at this database first.
    // The health answer also reads the hit queue's backlog: a queue of this file's own on the test Azurite.
    const queue = {
      AzureWebJobsStorage: inject('azuriteConnectionString'),
      PIXEL_QUEUE_NAME: `health-${engine.name}-${Date.now()}`,
    };
    useSettings(
      parseSettings(
        engine.name === 'postgres'
          ? { ...queue, DATABASE_URL: t.connectionString, ETL_BATCH_SIZE: '4', ETL_MATCH_BATCH_SIZE: '7' }
          : {
              ...queue,
              DATABASE_ENGINE: 'mssql',
              SQL_CONNECTION_STRING: t.connectionString,
              ETL_BATCH_SIZE: '4',
            },
      ),
    );
  });
  afterAll(async () => {
    await closeServices();
    await t?.drop();
  });

  async function waitUntilParseable(): Promise<void> {
    // Other test files share the server; their open transactions can hold the parse horizon for a moment.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const [row] = await t.db.query(
        `SELECT ${t.db.name('ParseLag')} AS lag FROM ${t.db.name('ETL.vw_Dash_PipelineHealth')}`,
      );
      if (Number(row?.lag) > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('names health columns in camelCase', () => {
    expect(['TestRows', 'IpRows', 'IPRows', 'ParseLag', 'ID'].map(camelCase)).toEqual([
      'testRows',
      'ipRows',
      'ipRows',
      'parseLag',
      'id',
    ]);
  });

  it('reports a parse lag, then parses in batches until caught up and skips a step whose procedure is missing', async () => {
    await t.db.insertHits(
      Array.from({ length: 25 }, (_, i) => toHitRow(makeHit({ queryString: `sw=${i}` }))),
    );
    await waitUntilParseable();
    const before = await pipelineHealth(t.db, THRESHOLDS);
    expect(before).toMatchObject({ status: 'critical', testRows: 25, parsedRows: 0, parseLag: 25 });

    const lines: string[] = [];
    const settings = { batchSize: 10, timeBudgetMs: 60_000, matchBatchSize: 5 };
    const steps: EtlStep[] = [
      ...etlSteps(settings).slice(0, 1),
      {
        name: 'match',
        procedure: 'ETL.usp_NotWrittenYet',
        batchSize: 5,
        rowsColumn: 'RowsProcessed',
        optional: true,
      },
    ];
    let reports = await runEtlPass(t.db, settings, (l) => lines.push(l), steps);
    // Another file's transaction can hold the horizon: run again until every row is in.
    for (let i = 0; i < 100 && (await pipelineHealth(t.db, THRESHOLDS)).parsedRows !== 25; i++) {
      reports = await runEtlPass(t.db, settings, (l) => lines.push(l), steps);
    }
    expect(lines.filter((l) => l.startsWith('parse batch ')).length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => /^parse batch \d+: RowsParsed=10 .*VisitsInserted=10 /.test(l))).toBe(true);
    expect(reports.map((r) => [r.step, r.outcome])).toEqual([
      ['parse', 'caught-up'],
      ['match', 'skipped'],
    ]);
    expect(lines).toContain('match: ETL.usp_NotWrittenYet does not exist yet, skipped');

    const after = await pipelineHealth(t.db, THRESHOLDS);
    expect(after).toMatchObject({
      status: 'ok',
      testRows: 25,
      parsedRows: 25,
      visitRows: 25,
      ipRows: 1,
      matchRows: 0,
      parseLag: 0,
      parseRowsTotal: 25,
      matchLag: 25,
    });
    expect(typeof after.parseLastRunAt).toBe('string');
  });

  it('stops taking batches when the time budget is spent, after at least one batch', async () => {
    await t.db.insertHits(
      Array.from({ length: 12 }, (_, i) => toHitRow(makeHit({ queryString: `sh=${i}` }))),
    );
    await waitUntilParseable();
    const steps = etlSteps({ batchSize: 3, timeBudgetMs: 0, matchBatchSize: 1 }).slice(0, 1);
    const settings = { batchSize: 3, timeBudgetMs: 0, matchBatchSize: 1 };
    let [report] = await runEtlPass(t.db, settings, undefined, steps);
    // A pass that found the horizon held by another file's transaction took nothing: try again.
    for (let i = 0; i < 200 && !report?.totals.RowsParsed; i++) {
      [report] = await runEtlPass(t.db, settings, undefined, steps);
    }
    expect(report).toMatchObject({ step: 'parse', batches: 1, outcome: 'budget-spent' });
    expect(report?.totals.RowsParsed).toBe(3);
  });

  it('runs the match step once its procedure exists, from the timer function', async () => {
    // The real procedure once its migration exists; a stand-in with its result columns before that.
    if (!(await t.db.procedureExists('ETL.usp_MatchVisits')))
      await t.db.query(FAKE_MATCH[engine.name] as string);
    const { etlHandler } = await import('../src/functions/etl.js');
    const ctx = context();
    const logged: string[] = [];
    ctx.log = (...args: unknown[]) => void logged.push(args.join(' '));
    await etlHandler(
      {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      },
      ctx,
    );
    expect(logged.some((l) => /^match batch 1: RowsProcessed=\d+ /.test(l))).toBe(true);
    expect(logged.some((l) => /^parse: caught-up/.test(l))).toBe(true);
  });

  it('turns the status to warning or critical from the ingest backlog', async () => {
    const base = await pipelineHealth(t.db, THRESHOLDS, { queuedMessages: 0, poisonMessages: 0 });
    const lagStatus = base.status;
    expect((await pipelineHealth(t.db, THRESHOLDS, { queuedMessages: 5000, poisonMessages: 0 })).status).toBe(
      'critical',
    );
    const poisoned = await pipelineHealth(t.db, THRESHOLDS, { queuedMessages: 0, poisonMessages: 2 });
    expect(poisoned.status).toBe(lagStatus === 'critical' ? 'critical' : 'warning');
    expect(poisoned).toMatchObject({ queuedMessages: 0, poisonMessages: 2 });
    // The queue could not be read: not ok, whatever the lags say.
    expect((await pipelineHealth(t.db, THRESHOLDS, null)).status).not.toBe('ok');
  });

  it('answers GET /api/health with the view as camelCase JSON and a status', async () => {
    for (let i = 0; i < 200 && (await pipelineHealth(t.db, THRESHOLDS)).parseLag !== 0; i++) {
      await runEtlPass(t.db, { batchSize: 100, timeBudgetMs: 1000, matchBatchSize: 1 });
    }
    const { healthHandler } = await import('../src/functions/health.js');
    const response = await healthHandler(
      new HttpRequest({ url: 'http://localhost/api/health', method: 'GET' }),
      context(),
    );
    expect(response.status).toBe(200);
    const body = response.jsonBody as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'ok',
      testRows: 37,
      parsedRows: 37,
      deviceRows: 0,
      parseLag: 0,
      queuedMessages: 0,
      poisonMessages: 0,
    });
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining([
        'visitRows',
        'matchRows',
        'parseWatermark',
        'matchWatermark',
        'matchLag',
        'time',
      ]),
    );
  });

  it('skips a pass while another runner holds the pass lock, and runs once it is free', async () => {
    await t.db.insertHits([toHitRow(makeHit())]);
    const lines: string[] = [];
    const settings = { batchSize: 1000, timeBudgetMs: 10_000, matchBatchSize: 10 };
    const blocked = await t.db.withLock(ETL_PASS_LOCK, () =>
      runEtlPass(t.db, settings, (l) => lines.push(l)),
    );
    expect(blocked.map((r) => r.outcome)).toEqual(etlSteps(settings).map(() => 'skipped'));
    expect(lines).toContain('another ETL pass is running: this one is skipped');
    // Free: the pass runs. A transaction open elsewhere on the server may hold the parse horizon a moment.
    let parsed = 0;
    for (let tries = 0; tries < 200 && parsed === 0; tries++) {
      const free = await runEtlPass(t.db, settings);
      expect(free[0]?.outcome).toBe('caught-up');
      parsed = free[0]?.totals.RowsParsed ?? 0;
      if (parsed === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(parsed).toBeGreaterThanOrEqual(1);
  });

  /** A step whose procedure fails every call, and (PostgreSQL) one failing its first call as a deadlock victim. */
  const FAILING: Record<string, string[]> = {
    postgres: [
      `CREATE FUNCTION "ETL"."usp_FixtureBroken"("BatchSize" integer) RETURNS TABLE ("Rows" integer)
        LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'broken step (fixture)'; END $$`,
      'CREATE SEQUENCE "ETL"."FixtureFlakyCalls"',
      `CREATE FUNCTION "ETL"."usp_FixtureFlaky"("BatchSize" integer) RETURNS TABLE ("Rows" integer)
        LANGUAGE plpgsql AS $$ BEGIN
          -- A sequence is not rolled back with the failed call: only the first call fails.
          IF nextval('"ETL"."FixtureFlakyCalls"') = 1 THEN
            RAISE EXCEPTION 'deadlock detected (fixture)' USING ERRCODE = '40P01';
          END IF;
          RETURN QUERY SELECT 0;
        END $$`,
    ],
    mssql: [
      "CREATE PROCEDURE ETL.usp_FixtureBroken @BatchSize INT AS THROW 50100, 'broken step (fixture)', 1;",
      'CREATE PROCEDURE ETL.usp_FixtureFlaky @BatchSize INT AS SELECT 0 AS Rows;',
    ],
  };

  it('runs the later steps when one fails, retries a transient failure, and throws with every report', async () => {
    for (const statement of FAILING[engine.name] ?? []) await t.db.query(statement);
    const step = (name: string, procedure: string): EtlStep => ({
      name,
      procedure,
      batchSize: 10,
      rowsColumn: 'Rows',
      optional: false,
    });
    const steps = [
      step('flaky', 'ETL.usp_FixtureFlaky'),
      step('broken', 'ETL.usp_FixtureBroken'),
      retentionStep(10),
    ];
    const lines: string[] = [];
    const settings = { batchSize: 10, timeBudgetMs: 20_000, matchBatchSize: 10 };
    const failure = await runEtlPass(t.db, settings, (l) => lines.push(l), steps).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EtlPassError);
    const reports = (failure as EtlPassError).reports;
    expect(reports.map((r) => [r.step, r.outcome, r.batches])).toEqual([
      ['flaky', 'caught-up', 1],
      ['broken', 'failed', 0],
      ['retention', 'caught-up', 1],
    ]);
    expect(reports[1]?.error).toMatch(/broken step \(fixture\)/);
    expect((failure as Error).message).toMatch(/ETL step\(s\) failed: broken \(.*broken step \(fixture\)\)/);
    expect(lines.some((l) => /^broken: failed after 0 batch\(es\).*broken step \(fixture\)/.test(l))).toBe(
      true,
    );
  });
});

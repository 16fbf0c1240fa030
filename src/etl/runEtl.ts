/**
 * One ETL pass, as the `etl` timer and `npm run etl` run it: a list of steps, each a stored procedure called
 * in batches until it reports a short batch (caught up) or the pass's time budget is spent. Every step runs
 * at least one batch, so a parse backlog cannot starve the match step. A step whose procedure does not exist
 * yet (usp_MatchVisits before its migration) is skipped. Order: parse (with the behaviour signals), classify
 * the IPs the parse added (IpType / IsDatacenter), then match (which skips likely bots where ExcludeBots is on,
 * and erases the visits of erased people), then retention (rows older than their pixel's RetentionDays).
 * A step that fails (after transientRetries for a transient error) does not stop the next ones; the pass then
 * throws EtlPassError with every step's report. A pass holds one database-wide lock, so two runners never
 * interleave (classify and another runner's parse could otherwise deadlock). The parse runs as ETL_PARSE_LANES
 * lanes at once beside the signals' numbering (src/etl/lanes.ts), on one connection each.
 */
import type { ProcedureArgs, Row, Warehouse } from '../db/types.js';
import type { SignalSettings } from '../enrich/signals.js';
import { type ParseBatchSource, runBatches, runParse, transientRetries } from './lanes.js';
import { numberOf, PROCEDURES } from './procedures.js';

export interface EtlStep {
  name: string;
  procedure: string;
  batchSize: number;
  /** Result column holding the rows the batch took; fewer than batchSize means caught up. */
  rowsColumn: string;
  /** Skip (instead of fail) when the procedure does not exist. */
  optional: boolean;
  /** Named arguments passed besides BatchSize. */
  args?: ProcedureArgs;
  /**
   * The parse only (src/etl/lanes.ts): lanes of `procedure` run at once, each call given Lane and Lanes besides
   * the arguments, beside the signals' numbering.
   */
  lanes?: number;
}

export interface EtlSettings {
  batchSize: number;
  timeBudgetMs: number;
  matchBatchSize: number;
  classifyBatchSize?: number;
  retentionBatchSize?: number;
  /** Thresholds of the behaviour signals (procedure defaults when absent). */
  signals?: SignalSettings;
  /** Parse lanes run at once (1 when absent). */
  parseLanes?: number;
}

export interface StepReport {
  step: string;
  batches: number;
  /** Sum of every numeric result column over the batches (FromId/ToId: first and last). */
  totals: Record<string, number>;
  outcome: 'caught-up' | 'budget-spent' | 'skipped' | 'failed';
  ms: number;
  /** Why the step failed (outcome 'failed'). */
  error?: string;
}

/**
 * Thrown after a pass in which a step failed: the other steps still ran (retention and erasure do not wait
 * for a failing classify or match), and their reports travel with the error.
 */
export class EtlPassError extends Error {
  override name = 'EtlPassError';
  constructor(
    readonly reports: StepReport[],
    cause: unknown,
  ) {
    const failed = reports.filter((r) => r.outcome === 'failed');
    super(`ETL step(s) failed: ${failed.map((r) => `${r.step} (${r.error})`).join('; ')}`, { cause });
  }
}

export function etlSteps(s: EtlSettings): EtlStep[] {
  return [
    {
      name: 'parse',
      procedure: PROCEDURES.parse,
      batchSize: s.batchSize,
      rowsColumn: 'RowsParsed',
      optional: false,
      lanes: s.parseLanes ?? 1,
      ...(s.signals ? { args: { ...s.signals } } : {}),
    },
    {
      name: 'classify',
      procedure: PROCEDURES.classify,
      batchSize: s.classifyBatchSize ?? 50_000,
      rowsColumn: 'RowsClassified',
      optional: true,
    },
    {
      name: 'match',
      procedure: PROCEDURES.match,
      batchSize: s.matchBatchSize,
      rowsColumn: 'RowsProcessed',
      optional: true,
    },
    retentionStep(s.retentionBatchSize ?? 2000),
  ];
}

/** Deletes what is older than its pixel's retention (also run alone by `npm run data:retention`). */
export function retentionStep(batchSize: number): EtlStep {
  return {
    name: 'retention',
    procedure: PROCEDURES.retention,
    batchSize,
    rowsColumn: 'VisitsPurged',
    optional: true,
  };
}

function describe(row: Row): string {
  return Object.entries(row)
    .map(([k, v]) => `${k}=${v === null ? '-' : String(v)}`)
    .join(' ');
}

function addUp(totals: Record<string, number>, row: Row): void {
  for (const [key, value] of Object.entries(row)) {
    const n = numberOf(value);
    if (n === null || Number.isNaN(n)) continue;
    if (key === 'FromId') totals[key] ??= n;
    else if (key === 'ToId') totals[key] = n;
    else totals[key] = (totals[key] ?? 0) + n;
  }
}

/** One pass at a time across every instance: a second runner skips instead of interleaving its steps. */
export const ETL_PASS_LOCK = 'smartpixl-etl-pass';

export async function runEtlPass(
  db: Warehouse,
  settings: EtlSettings,
  log: (line: string) => void = () => {},
  steps: readonly EtlStep[] = etlSteps(settings),
): Promise<StepReport[]> {
  const outcome = await db.withLockIfFree(ETL_PASS_LOCK, () => runSteps(db, settings, log, steps));
  if (outcome.ran) return outcome.result;
  log('another ETL pass is running: this one is skipped');
  return steps.map((s) => ({ step: s.name, batches: 0, totals: {}, outcome: 'skipped', ms: 0 }));
}

async function runSteps(
  db: Warehouse,
  settings: EtlSettings,
  log: (line: string) => void,
  steps: readonly EtlStep[],
): Promise<StepReport[]> {
  const deadline = Date.now() + settings.timeBudgetMs;
  const reports: StepReport[] = [];
  let firstCause: unknown;
  const retries = transientRetries(db);
  for (const step of steps) {
    const started = Date.now();
    const report: StepReport = { step: step.name, batches: 0, totals: {}, outcome: 'caught-up', ms: 0 };
    if (step.optional && !(await db.procedureExists(step.procedure))) {
      report.outcome = 'skipped';
      log(`${step.name}: ${step.procedure} does not exist yet, skipped`);
      reports.push(report);
      continue;
    }
    const onBatch = (lane: number, row: Row, ms: number) => {
      report.batches++;
      addUp(report.totals, row);
      const which = (step.lanes ?? 1) === 1 ? '' : ` (lane ${lane + 1} of ${step.lanes})`;
      log(`${step.name} batch ${report.batches}${which}: ${describe(row)} (${ms} ms)`);
    };
    let numbering = 0;
    const onParseBatch = (source: ParseBatchSource, row: Row, ms: number) => {
      if (source !== 'numbering') return onBatch(source.lane, row, ms);
      // The numbering's FromId/ToId would mix with the parse's: only its row count goes into the totals.
      addUp(report.totals, { RowsNumbered: row.RowsNumbered });
      log(`${step.name} numbering batch ${++numbering}: ${describe(row)} (${ms} ms)`);
    };
    try {
      const caughtUp =
        step.lanes !== undefined
          ? (
              await runParse(
                db,
                { ...step.args, BatchSize: step.batchSize },
                step.lanes,
                deadline,
                onParseBatch,
              )
            ).caughtUp
          : await runBatches(
              () => db.callProcedure(step.procedure, { BatchSize: step.batchSize, ...step.args }),
              step.rowsColumn,
              step.batchSize,
              deadline,
              (row, ms) => onBatch(0, row, ms),
              retries,
            );
      if (!caughtUp) report.outcome = 'budget-spent';
    } catch (error) {
      // Each batch is one transaction: what the step committed stays, and the next steps still run.
      report.outcome = 'failed';
      report.error = error instanceof Error ? error.message : String(error);
      firstCause ??= error;
    }
    report.ms = Date.now() - started;
    log(
      `${step.name}: ${report.outcome} after ${report.batches} batch(es), ${describe(report.totals)} (${report.ms} ms)${report.error ? `: ${report.error}` : ''}`,
    );
    reports.push(report);
  }
  if (reports.some((r) => r.outcome === 'failed')) throw new EtlPassError(reports, firstCause);
  return reports;
}

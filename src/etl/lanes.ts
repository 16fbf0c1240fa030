/**
 * Parse lanes: ETL.usp_ParseNewHits called N times at once, each call (`Lane` of `Lanes`) taking only the raw
 * rows of its share of PARSE_BUCKETS buckets, so the parse uses more than one core whatever the traffic mix: a
 * row's bucket is its Id's. Beside them one loop calls ETL.usp_NumberSignals, which adds the rows to the
 * signals' look-back (ETL.SignalHit) with their running counts per address and /24; its buckets are networks
 * (the IPv4 /24, else the address), so a network's counts are one caller's at a time and stay exact. The parse
 * takes only rows already numbered. Each bucket of either procedure has its own watermark row and lock, so lane
 * counts can change between passes, or differ between two instances, without a row being skipped
 * (docs/ARCHITECTURE.md "Parse lanes").
 */
import type { ProcedureArgs, Row, Warehouse } from '../db/types.js';
import { numberOf, PROCEDURES } from './procedures.js';

/** Buckets of the parse: a fixed number, so the per-bucket watermarks do not depend on the lane count. */
export const PARSE_BUCKETS = 16;

/** ETL.Watermark row of a parse bucket (the row 'ParseNewHits' sums the buckets up). */
export function bucketProcessName(bucket: number): string {
  return `ParseNewHits:${String(bucket).padStart(2, '0')}`;
}

/** ETL.Watermark row of a bucket of the signals' numbering (ETL.usp_NumberSignals). */
export function numberingProcessName(bucket: number): string {
  return `NumberSignals:${String(bucket).padStart(2, '0')}`;
}

export interface LaneOutcome {
  /** One result row per batch of the parse, of every lane. */
  rows: Row[];
  /** One result row per batch of the numbering (ETL.usp_NumberSignals). */
  numbered: Row[];
  /** Whether the numbering and every lane reported a short batch (caught up) before the deadline. */
  caughtUp: boolean;
}

/** How often a batch is tried again after a transient error (a deadlock victim, a lost connection). */
const TRANSIENT_RETRIES = 3;

/**
 * Wait before the retry `attempt` (1, 2, …): 0.5 s, 1 s, 2 s, with up to a quarter more at random so that
 * lanes failed together do not retry together. A failover or a throttled database needs seconds, not a retry
 * within the same millisecond.
 */
function retryDelayMs(attempt: number): number {
  const base = 500 * 2 ** (attempt - 1);
  return Math.round(base * (1 + Math.random() / 4));
}

interface Retries {
  isTransient: (error: unknown) => boolean;
  times: number;
  stop?: () => boolean;
}

/** The database's transient errors, tried again TRANSIENT_RETRIES times (every ETL step's batches). */
export function transientRetries(db: Warehouse, stop?: () => boolean): Retries {
  return {
    isTransient: (error) => db.isTransientError(error),
    times: TRANSIENT_RETRIES,
    ...(stop && { stop }),
  };
}

/**
 * Calls a batch procedure until a batch comes back short (fewer than BatchSize rows in `rowsColumn`) or the
 * deadline passes; resolves whether it caught up. After a short batch, `more` (when given) may ask for another
 * call once it resolves true. `retries` repeats a batch that failed transiently (the procedure is one
 * transaction, so a failed batch left nothing behind) after retryDelayMs, while the wait ends before the
 * deadline; other errors, and a transient one with no time left, are thrown.
 */
export async function runBatches(
  call: () => Promise<Row | undefined>,
  rowsColumn: string,
  batchSize: number,
  deadline: number,
  onBatch: (row: Row, ms: number) => void,
  retries: Retries | undefined,
  more: () => Promise<boolean> = async () => false,
): Promise<boolean> {
  for (let attempt = 0; ; ) {
    if (retries?.stop?.()) return true;
    const started = Date.now();
    let row: Row;
    try {
      row = (await call()) ?? {};
    } catch (error) {
      if (!retries?.isTransient(error) || ++attempt > retries.times) throw error;
      const wait = retryDelayMs(attempt);
      if (Date.now() + wait >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
      continue;
    }
    attempt = 0;
    onBatch(row, Date.now() - started);
    if ((numberOf(row[rowsColumn]) ?? 0) < batchSize && !(await more())) return true;
    if (Date.now() >= deadline) return false;
  }
}

/** Batches the numbering has finished, and whether it has stopped: what a lane waiting for rows waits on. */
class NumberingProgress {
  batches = 0;
  stopped = false;
  private waiters: (() => void)[] = [];

  advance(stopped = false): void {
    this.batches++;
    this.stopped ||= stopped;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once a batch after the `seen`-th has finished, or the numbering has stopped. */
  after(seen: number): Promise<void> {
    if (this.stopped || this.batches !== seen) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export type ParseBatchSource = { lane: number } | 'numbering';

/**
 * One pass of the parse: the numbering loop (ETL.usp_NumberSignals, one caller for every network bucket)
 * and `lanes` lanes of ETL.usp_ParseNewHits, all at once, each on its own connection, until all are caught up
 * or the deadline passes. A lane's batch is short when it has parsed every row numbered so far: while the
 * numbering runs, the lane waits for its next batch and goes on; a short batch begun after the numbering
 * stopped means caught up. A lane returning 0 rows because another caller holds its buckets counts as caught
 * up. A transient error repeats the batch up to TRANSIENT_RETRIES times; another error fails the pass once the
 * other loops have stopped.
 */
export async function runParse(
  db: Warehouse,
  args: ProcedureArgs & { BatchSize: number },
  lanes: number,
  deadline: number,
  onBatch: (source: ParseBatchSource, row: Row, ms: number) => void = () => {},
): Promise<LaneOutcome> {
  const rows: Row[] = [];
  const numbered: Row[] = [];
  let failed = false;
  const retries = transientRetries(db, () => failed);
  const progress = new NumberingProgress();
  const fail = (error: unknown) => {
    failed = true;
    throw error;
  };
  const numbering = runBatches(
    () => db.callProcedure(PROCEDURES.numberSignals, { ...args, Lane: 0, Lanes: 1 }),
    'RowsNumbered',
    args.BatchSize,
    deadline,
    (row, ms) => {
      numbered.push(row);
      onBatch('numbering', row, ms);
      progress.advance();
    },
    retries,
  )
    .catch(fail)
    .finally(() => progress.advance(true));
  const lane = (index: number) => {
    let seen = 0;
    let numberingHadStopped = false;
    return runBatches(
      () => {
        seen = progress.batches;
        numberingHadStopped = progress.stopped;
        return db.callProcedure(PROCEDURES.parse, { ...args, Lane: index, Lanes: lanes });
      },
      'RowsParsed',
      args.BatchSize,
      deadline,
      (row, ms) => {
        rows.push(row);
        onBatch({ lane: index }, row, ms);
      },
      retries,
      async () => {
        if (numberingHadStopped || failed) return false;
        await progress.after(seen);
        return true;
      },
    ).catch(fail);
  };
  const results = await Promise.allSettled([numbering, ...Array.from({ length: lanes }, (_, i) => lane(i))]);
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
  return { rows, numbered, caughtUp: results.every((r) => r.status === 'fulfilled' && r.value) };
}

/**
 * Parse lanes: ETL.usp_ParseNewHits called N times at once, each call (`Lane` of `Lanes`) taking only the raw
 * rows of its share of PARSE_BUCKETS buckets, so the parse uses more than one core. A row's bucket is a hash of
 * its network (the IPv4 /24, else the whole address), so every hit of one network is parsed by one lane at a
 * time and the signals' running counts per address and /24 (ETL.SignalHit) stay exact. Each bucket has its own
 * watermark row and lock, so lane counts can change between passes, or differ between two instances, without a
 * row being skipped or two lanes sharing a network (docs/ARCHITECTURE.md "Parse lanes").
 */
import type { ProcedureArgs, Row, Warehouse } from '../db/types.js';
import { numberOf } from './procedures.js';

/** Buckets of the parse: a fixed number, so the per-bucket watermarks do not depend on the lane count. */
export const PARSE_BUCKETS = 16;

/** ETL.Watermark row of a bucket (the row 'ParseNewHits' sums the buckets up). */
export function bucketProcessName(bucket: number): string {
  return `ParseNewHits:${String(bucket).padStart(2, '0')}`;
}

export interface LaneOutcome {
  /** One result row per batch, of every lane. */
  rows: Row[];
  /** Whether every lane reported a short batch (caught up) before the deadline. */
  caughtUp: boolean;
}

/** How often a lane's batch is tried again after a transient error (a deadlock victim, a lost connection). */
const LANE_RETRIES = 3;

/**
 * Calls a batch procedure until a batch comes back short (fewer than BatchSize rows in `rowsColumn`) or the
 * deadline passes; resolves whether it caught up. `retries` repeats a batch that failed transiently (the
 * procedure is one transaction, so a failed batch left nothing behind); other errors are thrown.
 */
export async function runBatches(
  call: () => Promise<Row | undefined>,
  rowsColumn: string,
  batchSize: number,
  deadline: number,
  onBatch: (row: Row, ms: number) => void,
  retries: { isTransient: (error: unknown) => boolean; times: number; stop?: () => boolean } | undefined,
): Promise<boolean> {
  for (let attempt = 0; ; ) {
    if (retries?.stop?.()) return true;
    const started = Date.now();
    let row: Row;
    try {
      row = (await call()) ?? {};
    } catch (error) {
      if (retries?.isTransient(error) && ++attempt <= retries.times) continue;
      throw error;
    }
    attempt = 0;
    onBatch(row, Date.now() - started);
    if ((numberOf(row[rowsColumn]) ?? 0) < batchSize) return true;
    if (Date.now() >= deadline) return false;
  }
}

/**
 * Runs `lanes` lanes of a parse procedure concurrently, each calling it batch after batch until it reports a
 * short batch or the deadline passes. A lane returning 0 rows because another caller holds its buckets counts
 * as caught up. A transient error repeats the batch up to LANE_RETRIES times; another error fails the pass
 * once the other lanes have stopped.
 */
export async function runLanes(
  db: Warehouse,
  procedure: string,
  args: ProcedureArgs & { BatchSize: number },
  lanes: number,
  deadline: number,
  onBatch: (lane: number, row: Row, ms: number) => void = () => {},
): Promise<LaneOutcome> {
  const rows: Row[] = [];
  let failed = false;
  const retries = {
    isTransient: (e: unknown) => db.isTransientError(e),
    times: LANE_RETRIES,
    stop: () => failed,
  };
  const lane = (index: number) =>
    runBatches(
      () => db.callProcedure(procedure, { ...args, Lane: index, Lanes: lanes }),
      'RowsParsed',
      args.BatchSize,
      deadline,
      (row, ms) => {
        rows.push(row);
        onBatch(index, row, ms);
      },
      retries,
    ).catch((error: unknown) => {
      failed = true;
      throw error;
    });
  const results = await Promise.allSettled(Array.from({ length: lanes }, (_, i) => lane(i)));
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
  return { rows, caughtUp: results.every((r) => r.status === 'fulfilled' && r.value) };
}

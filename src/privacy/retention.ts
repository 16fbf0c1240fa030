/**
 * Retention by hand (`npm run data:retention`): ETL.usp_PurgeRetention until every expired visit and match is
 * gone and the sweep of Visitor, Device and IP has reached the end of each table once. The `etl` timer runs the
 * same procedure as its last step, until the visits are caught up, so its sweep moves a batch per call.
 */
import type { Row, Warehouse } from '../db/types.js';
import { numberOf, PROCEDURES } from '../etl/procedures.js';

export interface RetentionRun {
  calls: number;
  /** Sum of each count the procedure returned. */
  removed: Record<string, number>;
}

const SWEEPS = ['VisitorSweepDone', 'DeviceSweepDone', 'IPSweepDone'] as const;
const BUSY_RETRY_MS = 500;
const BUSY_GIVE_UP_MS = 120_000;

export async function runRetention(
  db: Warehouse,
  batchSize: number,
  log: (line: string) => void = () => {},
): Promise<RetentionRun> {
  const removed: Record<string, number> = {};
  const swept = new Set<string>();
  let calls = 0;
  let busySince: number | undefined;
  for (;;) {
    const row: Row = (await db.callProcedure(PROCEDURES.retention, { BatchSize: batchSize })) ?? {};
    calls++;
    if (numberOf(row.Busy) === 1) {
      busySince ??= Date.now();
      if (Date.now() - busySince > BUSY_GIVE_UP_MS)
        throw new Error('retention: the ETL kept its locks for 2 minutes');
      log('retention: the parse or matching is running, waiting');
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
      continue;
    }
    busySince = undefined;
    for (const [key, value] of Object.entries(row)) {
      if (key === 'Busy' || key.endsWith('SweepDone')) continue;
      removed[key] = (removed[key] ?? 0) + (numberOf(value) ?? 0);
    }
    const caughtUp =
      (numberOf(row.VisitsPurged) ?? 0) < batchSize && (numberOf(row.MatchRows) ?? 0) < batchSize;
    if (caughtUp) for (const sweep of SWEEPS) if (numberOf(row[sweep]) === 1) swept.add(sweep);
    log(
      `retention call ${calls}: ${Object.entries(row)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(' ')}`,
    );
    if (caughtUp && swept.size === SWEEPS.length) return { calls, removed };
  }
}

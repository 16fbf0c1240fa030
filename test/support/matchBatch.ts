/** One batch of ETL.usp_MatchVisits: visits' emails and hashed emails resolved against AutoConsumer. */
import type { Warehouse } from '../../src/db/types.js';
import { numberOf, PROCEDURES } from '../../src/etl/procedures.js';

export interface MatchBatchResult {
  rowsProcessed: number;
  /** Visits of this batch now linked to a resolved match. */
  rowsMatched: number;
  fromId: number | null;
  toId: number | null;
  /** Matches left unresolved earlier and resolved now because the consumer file gained their email. */
  lateMatched: number;
}

export async function matchBatch(db: Warehouse, batchSize: number): Promise<MatchBatchResult> {
  const row = (await db.callProcedure(PROCEDURES.match, { BatchSize: batchSize })) ?? {};
  return {
    rowsProcessed: numberOf(row.RowsProcessed) ?? 0,
    rowsMatched: numberOf(row.RowsMatched) ?? 0,
    fromId: numberOf(row.FromId),
    toId: numberOf(row.ToId),
    lateMatched: numberOf(row.LateMatched) ?? 0,
  };
}

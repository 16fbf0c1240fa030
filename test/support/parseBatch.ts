/**
 * One batch of the parse as one lane of one runs it (src/etl/lanes.ts): ETL.usp_NumberSignals adds the next
 * raw hits to the signals' look-back, then ETL.usp_ParseNewHits parses them into PiXL.Parsed, Device, IP and
 * Visit.
 */
import type { ProcedureArgs, Warehouse } from '../../src/db/types.js';
import { numberOf, PROCEDURES } from '../../src/etl/procedures.js';

export interface ParseBatchResult {
  rowsParsed: number;
  fromId: number | null;
  toId: number | null;
  devicesUpserted: number;
  ipsUpserted: number;
  visitsInserted: number;
}

export async function parseBatch(
  db: Warehouse,
  batchSize: number,
  args: ProcedureArgs = {},
): Promise<ParseBatchResult> {
  await db.callProcedure(PROCEDURES.numberSignals, { ...args, BatchSize: batchSize });
  const row = (await db.callProcedure(PROCEDURES.parse, { ...args, BatchSize: batchSize })) ?? {};
  return {
    rowsParsed: numberOf(row.RowsParsed) ?? 0,
    fromId: numberOf(row.FromId),
    toId: numberOf(row.ToId),
    devicesUpserted: numberOf(row.DevicesUpserted) ?? 0,
    ipsUpserted: numberOf(row.IPsUpserted) ?? 0,
    visitsInserted: numberOf(row.VisitsInserted) ?? 0,
  };
}

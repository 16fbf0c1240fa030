/** One batch of ETL.usp_ParseNewHits: raw hits into PiXL.Parsed, Device, IP and Visit. */
import type { Warehouse } from '../../src/db/types.js';
import { numberOf, PROCEDURES } from '../../src/etl/procedures.js';

export interface ParseBatchResult {
  rowsParsed: number;
  fromId: number | null;
  toId: number | null;
  devicesUpserted: number;
  ipsUpserted: number;
  visitsInserted: number;
}

export async function parseBatch(db: Warehouse, batchSize: number): Promise<ParseBatchResult> {
  const row = (await db.callProcedure(PROCEDURES.parse, { BatchSize: batchSize })) ?? {};
  return {
    rowsParsed: numberOf(row.RowsParsed) ?? 0,
    fromId: numberOf(row.FromId),
    toId: numberOf(row.ToId),
    devicesUpserted: numberOf(row.DevicesUpserted) ?? 0,
    ipsUpserted: numberOf(row.IPsUpserted) ?? 0,
    visitsInserted: numberOf(row.VisitsInserted) ?? 0,
  };
}

/**
 * One batch of the parse as one lane of one runs it (src/etl/lanes.ts): ETL.usp_NumberSignals adds the next
 * raw hits to the signals' look-back, then ETL.usp_ParseNewHits parses them into PiXL.Parsed, Device, IP and
 * Visit.
 */
import type { CapturedHit } from '../../src/capture/hit.js';
import type { ProcedureArgs, Warehouse } from '../../src/db/types.js';
import { SIGNAL_DEFAULTS } from '../../src/enrich/signals.js';
import { numberOf, PROCEDURES } from '../../src/etl/procedures.js';
import { toHitRow } from '../../src/writer/hitRows.js';
import type { TestWarehouse } from './engines.js';

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

/**
 * Lands `hits` and parses them in batches of `batchSize` (numbering, then one lane), as small batches as a test
 * needs, until all of them are parsed; another test file's open transaction can hold a batch back for a moment.
 * Returns each hit's PiXL.Parsed `columns`, by its hitId.
 */
export async function landAndParseSignals(
  db: TestWarehouse,
  hits: readonly CapturedHit[],
  batchSize: number,
  columns: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  await db.insertHits(hits.map(toHitRow));
  const deadline = Date.now() + 60_000;
  for (let parsed = 0; parsed < hits.length; ) {
    if (Date.now() > deadline) throw new Error(`parsed ${parsed} of ${hits.length} hits`);
    parsed += (await parseBatch(db, batchSize, { ...SIGNAL_DEFAULTS })).rowsParsed;
  }
  const q = (name: string) => db.name(name);
  const rows = await db.query(
    `SELECT r.${q('HitId')} AS hit_id, ${columns.map((c) => `p.${q(c)}`).join(', ')}
    FROM ${q('PiXL.Parsed')} p JOIN ${q('PiXL.Test')} r ON r.${q('Id')} = p.${q('SourceId')}`,
  );
  const wanted = new Set(hits.map((h) => h.hitId));
  return new Map(
    rows
      .map((row) => [String(row.hit_id).toLowerCase(), row] as const)
      .filter(([hitId]) => wanted.has(hitId)),
  );
}

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
 * Parses in batches of `batchSize` until `count` more rows are parsed, and returns how many were. Other test files
 * share the server, and a transaction of theirs that began before these rows committed holds the parse horizon
 * back for a moment (the batch then takes nothing), so one call is not enough.
 */
export async function parseCount(
  db: Warehouse,
  count: number,
  batchSize: number,
  args: ProcedureArgs = {},
  timeoutMs = 60_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let parsed = 0;
  while (parsed < count) {
    if (Date.now() > deadline) throw new Error(`parsed ${parsed} of ${count} rows in ${timeoutMs} ms`);
    parsed += (await parseBatch(db, batchSize, args)).rowsParsed;
  }
  return parsed;
}

/**
 * Lands `hits` and parses them in batches of `batchSize` (numbering, then one lane), as small batches as a test
 * needs, until all of them are parsed (parseCount). Returns each hit's PiXL.Parsed `columns`, by its hitId.
 */
export async function landAndParseSignals(
  db: TestWarehouse,
  hits: readonly CapturedHit[],
  batchSize: number,
  columns: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  await db.insertHits(hits.map(toHitRow));
  await parseCount(db, hits.length, batchSize, { ...SIGNAL_DEFAULTS });
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

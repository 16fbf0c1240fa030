/** What each engine's generator writes from the field catalog (one implementation per engine, same shape). */
import type { DatabaseEngine } from '../../src/config.js';
import type { Field } from '../../src/warehouse/fields.js';

export interface EngineSql {
  engine: DatabaseEngine;
  /** Adds the columns of fields that arrive in a later migration. */
  addColumns(fields: readonly Field[]): string;
  /** The whole definition of ETL.usp_ParseNewHits for these catalog fields. */
  procedure(fields: readonly Field[]): string;
  /** The whole definition of ETL.usp_NumberSignals (it reads the fingerprint fields of old rows). */
  numbering(fields: readonly Field[]): string;
}

/** Whether the parse computes this field instead of reading the client's key. */
export function isComputed(f: Field): boolean {
  return f.computedSince !== undefined;
}

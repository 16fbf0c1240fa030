/** What each engine's generator writes from the field catalog (one implementation per engine, same shape). */
import type { DatabaseEngine } from '../../config.js';
import type { Field } from '../fields.js';

export interface EngineSql {
  engine: DatabaseEngine;
  /** CREATE TABLE PiXL.Parsed with these catalog fields. */
  createParsed(fields: readonly Field[]): string;
  /** Adds the columns of fields that arrive in a later migration. */
  addColumns(fields: readonly Field[]): string;
  /** DDL of the signals migration (src/enrich/signals.ts): new columns, the look-back table. */
  signalsSchema(): string;
  /** (Re)creates ETL.usp_ParseNewHits for these catalog fields as of `migration` (signals from SIGNALS_MIGRATION). */
  procedure(fields: readonly Field[], migration: number): string;
}

/** Whether the parse of `migration` computes this field instead of reading the client's key. */
export function isComputed(f: Field, migration: number): boolean {
  return f.computedSince !== undefined && f.computedSince <= migration;
}

/** What each engine's generator writes from the field catalog (one implementation per engine, same shape). */
import type { DatabaseEngine } from '../../config.js';
import type { Field } from '../fields.js';

export interface EngineSql {
  engine: DatabaseEngine;
  /** CREATE TABLE PiXL.Parsed with these catalog fields. */
  createParsed(fields: readonly Field[]): string;
  /** Adds the columns of fields that arrive in a later migration. */
  addColumns(fields: readonly Field[]): string;
  /** (Re)creates ETL.usp_ParseNewHits for these catalog fields. */
  procedure(fields: readonly Field[]): string;
}

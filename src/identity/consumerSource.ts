/**
 * Which table is the consumer file. Procedures read PiXL.AutoConsumerSource (a synonym on SQL Server, a view on
 * PostgreSQL); this module re-points it at AUTOCONSUMER_TABLE and checks the target has what matching needs.
 */
import type { DatabaseEngine } from '../config.js';
import * as mssql from '../db/mssql/consumers.js';
import * as postgres from '../db/postgres/consumers.js';
import type { Warehouse } from '../db/types.js';

export interface ConsumerDdl {
  LOCAL_CONSUMER_TABLE: string;
  quoteTable(table: string): string;
  pointConsumerSource(db: Warehouse, table: string): Promise<void>;
  suspendIndexes(db: Warehouse, table: string): Promise<() => Promise<void>>;
}

const ddl: Record<DatabaseEngine, ConsumerDdl> = { postgres, mssql };

export function consumerDdl(db: Warehouse): ConsumerDdl {
  return ddl[db.engine];
}

/** The configured consumer table, or the one the migrations create. */
export function consumerTable(db: Warehouse, configured?: string): string {
  return configured ?? consumerDdl(db).LOCAL_CONSUMER_TABLE;
}

const REQUIRED = ['RecordID', 'IndividualKey', 'AddressKey', 'EMailNorm', 'EMailSha256'];

/** Re-points PiXL.AutoConsumerSource at `table`, after checking the table has what matching reads. */
export async function pointConsumerSource(db: Warehouse, table: string): Promise<void> {
  const engine = consumerDdl(db);
  try {
    await db.query(
      `SELECT ${REQUIRED.map((c) => db.name(c)).join(', ')} FROM ${engine.quoteTable(table)} WHERE 1 = 0`,
    );
  } catch (error) {
    throw new Error(
      `AUTOCONSUMER_TABLE ${table} cannot serve matching (needs ${REQUIRED.join(', ')}; ` +
        `see sql/optional/${db.engine}-autoconsumer-setup.sql): ${(error as Error).message}`,
    );
  }
  await engine.pointConsumerSource(db, table);
}

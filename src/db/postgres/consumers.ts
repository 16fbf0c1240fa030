/** PostgreSQL side of the consumer file: where the local table lives, re-pointing the source view, index pauses. */
import type { Warehouse } from '../types.js';

export const LOCAL_CONSUMER_TABLE = 'public.AutoConsumer';

const quote = (part: string) => `"${part.replaceAll('"', '""')}"`;

/** schema.table (or table); another database is reached through postgres_fdw, so names have at most two parts. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new Error(
      `AUTOCONSUMER_TABLE "${table}": use schema.table (import a foreign table with postgres_fdw)`,
    );
  }
  return parts.map(quote).join('.');
}

/** A view keeps plans simple: PostgreSQL inlines it, so lookups seek the table's own indexes. */
export async function pointConsumerSource(db: Warehouse, table: string): Promise<void> {
  await db.query(`CREATE OR REPLACE VIEW "PiXL"."AutoConsumerSource" AS
    SELECT "RecordID", "IndividualKey", "AddressKey", "EMail", "EMailNorm", "EMailSha256" FROM ${quoteTable(table)}`);
}

/**
 * Drops the secondary indexes of a table and returns a function that recreates them from their saved
 * definitions: one sorted build after a big load is much faster than maintaining them row by row.
 */
export async function suspendIndexes(db: Warehouse, table: string): Promise<() => Promise<void>> {
  const indexes = await db.query<{ name: string; definition: string }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = $1::regclass AND NOT i.indisprimary AND NOT i.indisunique`,
    [quoteTable(table)],
  );
  const schema = quote(table.includes('.') ? (table.split('.')[0] as string) : 'public');
  for (const index of indexes) await db.query(`DROP INDEX ${schema}.${quote(index.name)}`);
  return async () => {
    for (const index of indexes) await db.query(index.definition);
    await db.query(`ANALYZE ${quoteTable(table)}`);
  };
}

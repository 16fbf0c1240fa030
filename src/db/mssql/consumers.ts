/** SQL Server side of the consumer file: where the local table lives, re-pointing the synonym, index pauses. */
import type { Warehouse } from '../types.js';

export const LOCAL_CONSUMER_TABLE = 'dbo.AutoConsumer';

const quote = (part: string) => `[${part.replaceAll(']', ']]')}]`;

/** [database.]schema.table: a synonym may point into another database on the same server. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new Error(`AUTOCONSUMER_TABLE "${table}": use schema.table or database.schema.table`);
  }
  return parts.map(quote).join('.');
}

/** Synonyms resolve at run time, so the procedures keep working when setup re-points this one. */
export async function pointConsumerSource(db: Warehouse, table: string): Promise<void> {
  await db.query(`SET XACT_ABORT ON;
    BEGIN TRANSACTION;
    DROP SYNONYM IF EXISTS PiXL.AutoConsumerSource;
    CREATE SYNONYM PiXL.AutoConsumerSource FOR ${quoteTable(table)};
    COMMIT;`);
}

/**
 * Disables the enabled nonclustered indexes of a table and returns a function that rebuilds them: one sorted
 * build after a big load is much faster than maintaining them row by row.
 */
export async function suspendIndexes(db: Warehouse, table: string): Promise<() => Promise<void>> {
  const target = quoteTable(table);
  const indexes = await db.query<{ name: string }>(
    `SELECT name FROM sys.indexes WHERE object_id = OBJECT_ID($1) AND type_desc = 'NONCLUSTERED' AND is_disabled = 0
       AND is_primary_key = 0 AND is_unique_constraint = 0`,
    [target],
  );
  for (const index of indexes) await db.query(`ALTER INDEX ${quote(index.name)} ON ${target} DISABLE`);
  return async () => {
    for (const index of indexes) await db.query(`ALTER INDEX ${quote(index.name)} ON ${target} REBUILD`);
    await db.query(`UPDATE STATISTICS ${target}`);
  };
}

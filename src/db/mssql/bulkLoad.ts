/** Streams rows into a SQL Server table with TDS bulk load (the SqlBulkCopy protocol), one chunk at a time. */
import sql from 'mssql';
import type { BulkColumn } from '../types.js';

const CHUNK_ROWS = 50_000;

/**
 * TABLOCK: a bulk-logged load into a heap or empty index where the recovery model allows it. mssql hands these
 * options to tedious unchanged, and tedious reads `lockTable` (node_modules/tedious/lib/bulk-load.js); the
 * `tableLock` that @types/mssql declares is ignored, so the load would run fully logged under row locks.
 */
export const BULK_OPTIONS = { lockTable: true } as unknown as sql.IBulkOptions;

function newTable(table: string, columns: readonly BulkColumn[]): sql.Table {
  const t = new sql.Table(table);
  t.create = false;
  for (const c of columns) {
    // NVARCHAR on the wire: the server converts to the column's own code page (UTF-8 collations included).
    const type =
      c.type === 'bigint' ? sql.BigInt : c.type === 'int' ? sql.Int : sql.NVarChar(c.length ?? sql.MAX);
    t.columns.add(c.name, type, { nullable: true });
  }
  return t;
}

export async function bulkRows(
  pool: sql.ConnectionPool,
  table: string,
  columns: readonly BulkColumn[],
  rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
): Promise<number> {
  let loaded = 0;
  let chunk = newTable(table, columns);
  const flush = async () => {
    if (chunk.rows.length === 0) return;
    await pool.request().bulk(chunk, BULK_OPTIONS);
    loaded += chunk.rows.length;
    chunk = newTable(table, columns);
  };
  for await (const row of rows) {
    chunk.rows.add(...(row as (string | number | null)[]));
    if (chunk.rows.length >= CHUNK_ROWS) await flush();
  }
  await flush();
  return loaded;
}

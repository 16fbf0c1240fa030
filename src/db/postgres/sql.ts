/** PostgreSQL text helpers shared by this engine's modules: identifier quoting and transactions. */
import type pg from 'pg';

/** One identifier, quoted so names keep their case exactly as on SQL Server. */
export const quoteIdent = (part: string): string => `"${part.replaceAll('"', '""')}"`;

/** A dotted name (`PiXL.Test`), each part quoted. */
export const quoteName = (dotted: string): string => dotted.split('.').map(quoteIdent).join('.');

/** Runs `work` in a transaction on one pooled client: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** PostgreSQL text helpers shared by this engine's modules: identifier quoting and transactions. */
import type pg from 'pg';

/** One identifier, quoted so names keep their case exactly as on SQL Server. */
export const quoteIdent = (part: string): string => `"${part.replaceAll('"', '""')}"`;

/** A dotted name (`PiXL.Test`), each part quoted. */
export const quoteName = (dotted: string): string => dotted.split('.').map(quoteIdent).join('.');

/**
 * Runs `work` on a client of its own. While checked out, a client whose connection drops emits `error` with
 * no pool listener attached, which would crash the process: the error is taken here (the running query
 * fails with it anyway), and the broken client is discarded instead of going back to the pool.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    broken ??= error instanceof Error && /Connection terminated/.test(error.message) ? error : undefined;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** Runs `work` in a transaction on one pooled client: committed when it returns, rolled back when it throws. */
export function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

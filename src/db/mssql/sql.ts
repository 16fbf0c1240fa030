/** SQL Server text helpers shared by this engine's modules: identifier quoting, transactions, BIGINT reads. */
import sql from 'mssql';
import type { Row } from '../types.js';
import { bigintFromText } from '../values.js';

export const quoteIdent = (part: string): string => `[${part.replaceAll(']', ']]')}]`;

/** A dotted name (`PiXL.Test`), each part bracketed. */
export const quoteName = (dotted: string): string => dotted.split('.').map(quoteIdent).join('.');

/** Runs `work` in a transaction: committed when it returns, rolled back when it throws. */
export async function inTransaction<T>(
  pool: sql.ConnectionPool,
  work: (tx: sql.Transaction) => Promise<T>,
): Promise<T> {
  const tx = new sql.Transaction(pool);
  await tx.begin();
  try {
    const result = await work(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  }
}

/** Rows of a result set with BIGINT columns (sent as text by tedious) turned into numbers. */
export function rowsOf<T extends Row>(recordset: sql.IRecordSet<T> | undefined): T[] {
  if (!recordset) return [];
  const bigints = Object.values(recordset.columns ?? {})
    .filter((c) => c.type === sql.BigInt)
    .map((c) => c.name);
  if (bigints.length === 0) return recordset;
  for (const row of recordset as Row[]) {
    for (const name of bigints) {
      const value = row[name];
      if (typeof value === 'string') row[name] = bigintFromText(value);
    }
  }
  return recordset;
}

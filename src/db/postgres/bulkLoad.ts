/** Streams rows into a PostgreSQL table with COPY FROM STDIN (text format): no per-row statements at all. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BulkColumn } from '../types.js';
import { quoteIdent, quoteName } from './sql.js';

/** COPY text format: backslash escapes for the four characters that would break a field or a row. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  // Timestamps are UTC `timestamp(3)` columns: the UTC wall time, without a zone.
  const text = value instanceof Date ? value.toISOString().slice(0, 23).replace('T', ' ') : String(value);
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      )
    : text;
}

/** Joins rows into chunks of text so the stream moves ~1,000 rows per write instead of one. */
async function* copyText(
  rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  counter: { n: number },
) {
  let chunk = '';
  let inChunk = 0;
  for await (const row of rows) {
    chunk += `${row.map(field).join('\t')}\n`;
    counter.n++;
    if (++inChunk === 1000) {
      yield chunk;
      chunk = '';
      inChunk = 0;
    }
  }
  if (chunk) yield chunk;
}

export async function copyRows(
  pool: pg.Pool,
  table: string,
  columns: readonly BulkColumn[],
  rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
): Promise<number> {
  const target = quoteName(table);
  const client = await pool.connect();
  const counter = { n: 0 };
  try {
    const copy = client.query(
      copyFrom(`COPY ${target} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`),
    );
    await pipeline(Readable.from(copyText(rows, counter)), copy);
    return counter.n;
  } finally {
    client.release();
  }
}

/**
 * Writes rows in one COPY inside one transaction: no per-row statement, no parameter arrays to build or
 * parse. A key already present fails the whole COPY (unique violation, 23505) and rolls it back, so the
 * caller can fall back to an idempotent insert.
 */
export async function copyRowsAtomically(
  pool: pg.Pool,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<number> {
  const target = quoteName(table);
  let text = '';
  for (const row of rows) text += `${row.map(field).join('\t')}\n`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const copy = client.query(copyFrom(`COPY ${target} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`));
    await pipeline(Readable.from([text]), copy);
    await client.query('COMMIT');
    return rows.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Streams rows into a PostgreSQL table with COPY FROM STDIN (text format): no per-row statements at all. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BulkColumn } from '../types.js';
import { inTransaction, quoteIdent, quoteName, withClient } from './sql.js';

/** COPY text format: backslash escapes for the four characters that would break a field or a row. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  // Timestamps are UTC `timestamp(3)` columns: the UTC wall time, without a zone.
  if (value instanceof Date) return value.toISOString().slice(0, 23).replace('T', ' ');
  // bytea's hex input, its backslash escaped for the COPY text.
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  const text = String(value);
  // Whole-string replaces (native, no callback per match): JSON text is full of backslashes (\" escapes),
  // while tabs and line breaks are rare (JSON escapes its own).
  const escaped = text.includes('\\') ? text.replaceAll('\\', '\\\\') : text;
  return CONTROL.test(escaped)
    ? escaped.replaceAll('\t', '\\t').replaceAll('\n', '\\n').replaceAll('\r', '\\r')
    : escaped;
}
const CONTROL = /[\t\n\r]/;

/** One row of COPY text (fields in column order, tab-separated, newline-terminated). */
export function copyLine(row: readonly unknown[]): string {
  let line = field(row[0]);
  for (let i = 1; i < row.length; i++) line += `\t${field(row[i])}`;
  return `${line}\n`;
}

/** Joins rows into chunks of text so the stream moves ~1,000 rows per write instead of one. */
async function* copyText(
  rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  counter: { n: number },
) {
  let chunk = '';
  let inChunk = 0;
  for await (const row of rows) {
    chunk += copyLine(row);
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
  const counter = { n: 0 };
  return withClient(pool, async (client) => {
    const copy = client.query(
      copyFrom(`COPY ${target} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`),
    );
    await pipeline(Readable.from(copyText(rows, counter)), copy);
    return counter.n;
  });
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
  for (const row of rows) text += copyLine(row);
  return inTransaction(pool, async (client) => {
    const copy = client.query(copyFrom(`COPY ${target} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`));
    await pipeline(Readable.from([text]), copy);
    return rows.length;
  });
}

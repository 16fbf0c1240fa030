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
  const text = String(value);
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

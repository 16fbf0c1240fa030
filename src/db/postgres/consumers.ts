/** PostgreSQL side of the consumer file: the source view, the table's checks and index pauses. */
import type pg from 'pg';
import { CONSUMER_COLUMNS_MATCHING_READS, consumerTableUnusable } from '../consumerColumns.js';
import type { ConsumerFile } from '../types.js';
import { quoteIdent } from './sql.js';

/** schema.table (or table); another database is reached through postgres_fdw, so names have at most two parts. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new Error(
      `AUTOCONSUMER_TABLE "${table}": use schema.table (import a foreign table with postgres_fdw)`,
    );
  }
  return parts.map(quoteIdent).join('.');
}

export class PostgresConsumerFile implements ConsumerFile {
  readonly localTable = 'public.AutoConsumer';

  constructor(private readonly pool: pg.Pool) {}

  /** A view keeps plans simple: PostgreSQL inlines it, so lookups seek the table's own indexes. */
  async pointSourceAt(table: string): Promise<void> {
    const quoted = quoteTable(table);
    try {
      await this.pool.query(
        `SELECT ${CONSUMER_COLUMNS_MATCHING_READS.map(quoteIdent).join(', ')} FROM ${quoted} WHERE false`,
      );
    } catch (error) {
      throw consumerTableUnusable(table, 'sql/optional/postgres-autoconsumer-setup.sql', error);
    }
    await this.pool.query(`CREATE OR REPLACE VIEW "PiXL"."AutoConsumerSource" AS
      SELECT "RecordID", "IndividualKey", "AddressKey", "EMail", "EMailNorm", "EMailSha256" FROM ${quoted}`);
  }

  async maxRecordId(table: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ m: number | null }>(
      `SELECT max("RecordID") AS m FROM ${quoteTable(table)}`,
    );
    return rows[0]?.m ?? null;
  }

  /**
   * Drops the secondary indexes of a table and returns a function that recreates them from their saved
   * definitions: one sorted build after a big load is much faster than maintaining them row by row.
   */
  async suspendIndexes(table: string): Promise<() => Promise<void>> {
    const { rows: indexes } = await this.pool.query<{ name: string; definition: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = $1::regclass AND NOT i.indisprimary AND NOT i.indisunique`,
      [quoteTable(table)],
    );
    const schema = quoteIdent(table.includes('.') ? (table.split('.')[0] as string) : 'public');
    for (const index of indexes) await this.pool.query(`DROP INDEX ${schema}.${quoteIdent(index.name)}`);
    return async () => {
      for (const index of indexes) await this.pool.query(index.definition);
      await this.pool.query(`ANALYZE ${quoteTable(table)}`);
    };
  }
}

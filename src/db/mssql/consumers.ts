/** SQL Server side of the consumer file: the source synonym, the table's checks and index pauses. */
import sql from 'mssql';
import { CONSUMER_COLUMNS_MATCHING_READS, consumerTableUnusable } from '../consumerColumns.js';
import type { ConsumerFile } from '../types.js';
import { quoteIdent, rowsOf } from './sql.js';

const SETUP_SCRIPT = 'sql/optional/mssql-autoconsumer-setup.sql';
/** SERVERPROPERTY('EngineEdition') of Azure SQL Database (Managed Instance is 8 and allows it). */
const AZURE_SQL_DATABASE = 5;

/** [database.]schema.table: a synonym may point into another database on the same server. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new Error(`AUTOCONSUMER_TABLE "${table}": use schema.table or database.schema.table`);
  }
  return parts.map(quoteIdent).join('.');
}

export class MssqlConsumerFile implements ConsumerFile {
  readonly localTable = 'dbo.AutoConsumer';

  constructor(private readonly connected: () => Promise<sql.ConnectionPool>) {}

  /** Synonyms resolve at run time, so the procedures keep working when setup re-points this one. */
  async pointSourceAt(table: string): Promise<void> {
    const quoted = quoteTable(table);
    const pool = await this.connected();
    if (table.split('.').length === 3) {
      const { recordset } = await pool
        .request()
        .query<{ edition: number }>("SELECT CAST(SERVERPROPERTY('EngineEdition') AS INT) AS edition");
      if (recordset[0]?.edition === AZURE_SQL_DATABASE)
        throw new Error(
          `AUTOCONSUMER_TABLE ${table}: Azure SQL Database cannot reach another database through a synonym. ` +
            'Keep the consumer table in this database, or create an elastic-query external table for it here ' +
            'and name that (schema.table); see README "Identity matching".',
        );
    }
    try {
      await pool
        .request()
        .query(
          `SELECT ${CONSUMER_COLUMNS_MATCHING_READS.map(quoteIdent).join(', ')} FROM ${quoted} WHERE 1 = 0`,
        );
    } catch (error) {
      throw consumerTableUnusable(table, SETUP_SCRIPT, error);
    }
    await pool.request().batch(`SET XACT_ABORT ON;
      BEGIN TRANSACTION;
      DROP SYNONYM IF EXISTS PiXL.AutoConsumerSource;
      CREATE SYNONYM PiXL.AutoConsumerSource FOR ${quoted};
      COMMIT;`);
  }

  async maxRecordId(table: string): Promise<number | null> {
    const result = await (await this.connected())
      .request()
      .query<{ m: number | null }>(`SELECT MAX(RecordID) AS m FROM ${quoteTable(table)}`);
    return rowsOf(result.recordset)[0]?.m ?? null;
  }

  /**
   * Disables the enabled nonclustered indexes of a table and returns a function that rebuilds them: one sorted
   * build after a big load is much faster than maintaining them row by row.
   */
  async suspendIndexes(table: string): Promise<() => Promise<void>> {
    const target = quoteTable(table);
    const parts = table.split('.');
    // A consumer table in another database lists its indexes in that database's catalog.
    const indexCatalog = parts.length === 3 ? `${quoteIdent(parts[0] as string)}.sys.indexes` : 'sys.indexes';
    const pool = await this.connected();
    const { recordset: indexes } = await pool
      .request()
      .input('target', sql.NVarChar(800), target)
      .query<{ name: string }>(
        `SELECT name FROM ${indexCatalog} WHERE object_id = OBJECT_ID(@target) AND type_desc = 'NONCLUSTERED'
           AND is_disabled = 0 AND is_primary_key = 0 AND is_unique_constraint = 0`,
      );
    for (const index of indexes)
      await pool.request().batch(`ALTER INDEX ${quoteIdent(index.name)} ON ${target} DISABLE`);
    return async () => {
      for (const index of indexes)
        await pool.request().batch(`ALTER INDEX ${quoteIdent(index.name)} ON ${target} REBUILD`);
      await pool.request().batch(`UPDATE STATISTICS ${target}`);
    };
  }
}

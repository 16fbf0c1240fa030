/** PostgreSQL engine (driver `pg`). Identifiers are quoted so names match SQL Server exactly. */
import pg from 'pg';
import { HIT_COLUMN_NAMES, hitRowValues } from '../hitColumns.js';
import type { BulkColumn, DatacenterRangeLoad, HitRow, Row, Warehouse } from '../types.js';
import { copyRows } from './bulkLoad.js';
import { replaceDatacenterRanges } from './datacenterRanges.js';

// Timestamps are stored as UTC `timestamp(3)` (as datetime2 on SQL Server): read them back as UTC.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (text) => new Date(`${text.replace(' ', 'T')}Z`));
// bigint ids fit in a double for any realistic table; numbers are what both drivers return.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (text) => Number(text));

/** PostgreSQL array type of each writer column, in HIT_COLUMN_NAMES order. */
const HIT_COLUMN_TYPES = [
  'uuid',
  'text',
  'text',
  'text',
  'text',
  'text',
  'text',
  'boolean',
  'jsonb',
  'jsonb',
  'text',
  'text',
  'timestamptz',
  'boolean',
] as const satisfies { length: (typeof HIT_COLUMN_NAMES)['length'] };
const HIT_COLUMNS = HIT_COLUMN_NAMES.map((name, i) => [name, HIT_COLUMN_TYPES[i]] as const);

const INSERT_HITS = `
INSERT INTO "PiXL"."Test" (${HIT_COLUMNS.map(([c]) => `"${c}"`).join(', ')})
SELECT ${HIT_COLUMNS.map(([c, t]) => (t === 'timestamptz' ? `"${c}" AT TIME ZONE 'UTC'` : `"${c}"`)).join(', ')}
FROM unnest(${HIT_COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})
  AS h(${HIT_COLUMNS.map(([c]) => `"${c}"`).join(', ')})
ON CONFLICT ("HitId") DO NOTHING`;

export class PostgresWarehouse implements Warehouse {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;

  constructor(connectionString: string, poolMax = 10) {
    this.pool = new pg.Pool({ connectionString, max: poolMax, application_name: 'smartpixl' });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
  }

  async insertHits(rows: readonly HitRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const columns: unknown[][] = HIT_COLUMNS.map(() => []);
    for (const r of rows) {
      const values = hitRowValues(r);
      for (let i = 0; i < values.length; i++) columns[i]?.push(values[i]);
    }
    const result = await this.pool.query(INSERT_HITS, columns);
    return result.rowCount ?? 0;
  }

  replaceDatacenterRanges(load: DatacenterRangeLoad): Promise<void> {
    return replaceDatacenterRanges(this.pool, load);
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as T[];
  }

  name(dotted: string): string {
    return dotted
      .split('.')
      .map((part) => `"${part.replaceAll('"', '""')}"`)
      .join('.');
  }

  async applyMigration(name: string, script: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(script);
      await client.query('INSERT INTO public."SchemaMigrations" ("Name") VALUES ($1)', [name]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async appliedMigrations(): Promise<string[]> {
    await this.pool.query(`CREATE TABLE IF NOT EXISTS public."SchemaMigrations" (
      "Name" varchar(200) PRIMARY KEY, "AppliedAt" timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'))`);
    const result = await this.pool.query('SELECT "Name" FROM public."SchemaMigrations" ORDER BY "Name"');
    return result.rows.map((r: { Name: string }) => r.Name);
  }

  bulkLoad(
    table: string,
    columns: readonly BulkColumn[],
    rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  ): Promise<number> {
    return copyRows(this.pool, table, columns, rows);
  }

  async withLock<T>(lockName: string, work: () => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockName]);
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]);
      }
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

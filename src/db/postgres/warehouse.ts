/** PostgreSQL engine (driver `pg`). Identifiers are quoted so names match SQL Server exactly. */
import pg from 'pg';
import { countAddedPerBatch, HIT_COLUMN_NAMES, hitRowValues } from '../hitColumns.js';
import {
  type BulkColumn,
  type ClientParamRow,
  type DatacenterRangeLoad,
  type HitRow,
  POOL_IDLE_TIMEOUT_MS,
  type ProcedureArgs,
  type RangeRefreshAttempt,
  type RangeRefreshState,
  type Row,
  type SqlConsole,
  type Warehouse,
} from '../types.js';
import { bigintFromText } from '../values.js';
import { copyRows, copyRowsAtomically } from './bulkLoad.js';
import { clientParams } from './clientParams.js';
import { PostgresConsumerFile } from './consumers.js';
import {
  readRangeRefreshState,
  recordRangeRefreshAttempt,
  replaceDatacenterRanges,
} from './datacenterRanges.js';
import { isTransientPostgresError } from './errors.js';
import { PostgresHitInspector } from './inspect.js';
import { PostgresPixelRegistry } from './pixels.js';
import { exportCompany, readPrivacySettings } from './privacy.js';
import { PostgresSchemaStore } from './schema.js';
import { quoteIdent, quoteName } from './sql.js';

const UNIQUE_VIOLATION = '23505';

// Timestamps are stored as UTC `timestamp(3)` (as datetime2 on SQL Server): read them back as UTC.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMP, (text) => new Date(`${text.replace(' ', 'T')}Z`));
// BIGINT comes back as a number from both engines (src/db/values.ts).
pg.types.setTypeParser(pg.types.builtins.INT8, bigintFromText);
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
  'bytea',
  'jsonb',
  'text',
  'text',
  'timestamptz',
  'boolean',
] as const satisfies { length: (typeof HIT_COLUMN_NAMES)['length'] };
const HIT_COLUMNS = HIT_COLUMN_NAMES.map((name, i) => [name, HIT_COLUMN_TYPES[i]] as const);

const INSERT_HITS = `
INSERT INTO "PiXL"."Test" (${HIT_COLUMN_NAMES.map(quoteIdent).join(', ')})
SELECT ${HIT_COLUMNS.map(([c, t]) => (t === 'timestamptz' ? `${quoteIdent(c)} AT TIME ZONE 'UTC'` : quoteIdent(c))).join(', ')}
FROM unnest(${HIT_COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})
  AS h(${HIT_COLUMN_NAMES.map(quoteIdent).join(', ')})
ON CONFLICT ("HitId") DO NOTHING
RETURNING "HitId"`;

export class PostgresWarehouse implements Warehouse, SqlConsole {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly schema: PostgresSchemaStore;
  readonly consumers: PostgresConsumerFile;
  readonly pixels: PostgresPixelRegistry;
  readonly inspect: PostgresHitInspector;

  constructor(connectionString: string, poolMax = 10) {
    // allowExitOnIdle: idle connections kept for POOL_IDLE_TIMEOUT_MS must not keep a finished CLI running.
    this.pool = new pg.Pool({
      connectionString,
      max: poolMax,
      application_name: 'smartpixl',
      idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS,
      allowExitOnIdle: true,
    });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    this.pool.on('error', () => {});
    this.schema = new PostgresSchemaStore(this.pool);
    this.pixels = new PostgresPixelRegistry(this.pool);
    this.inspect = new PostgresHitInspector(this.pool);
    this.consumers = new PostgresConsumerFile(this.pool);
  }

  async insertHits(rows: readonly HitRow[]): Promise<number> {
    return (await this.insertHitBatches([rows]))[0] ?? 0;
  }

  /**
   * COPY of every batch's rows in one transaction (bench:ingest: about a third less database CPU per row than
   * the INSERT from arrays, and one commit for several messages); a hit already present (a redelivery) makes
   * it fail as a whole with a unique violation, and then the same rows go through the idempotent
   * INSERT … ON CONFLICT DO NOTHING, whose RETURNING tells which batch each added row belongs to.
   */
  async insertHitBatches(batches: readonly (readonly HitRow[])[]): Promise<number[]> {
    const rows = batches.flat();
    if (rows.length === 0) return batches.map(() => 0);
    try {
      await copyRowsAtomically(this.pool, 'PiXL.Test', HIT_COLUMN_NAMES, rows.map(hitRowValues));
      return batches.map((b) => b.length);
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
    }
    const columns: unknown[][] = HIT_COLUMNS.map(() => []);
    for (const r of rows) {
      const values = hitRowValues(r);
      for (let i = 0; i < values.length; i++) columns[i]?.push(values[i]);
    }
    const result = await this.pool.query<{ HitId: string }>(INSERT_HITS, columns);
    return countAddedPerBatch(
      batches,
      result.rows.map((r) => r.HitId),
    );
  }

  /** A function returning one row; arguments passed by name (`"BatchSize" => $1`). */
  async callProcedure(procedure: string, args: ProcedureArgs = {}): Promise<Row | undefined> {
    const names = Object.keys(args);
    const { rows } = await this.pool.query(
      `SELECT * FROM ${quoteName(procedure)}(${names.map((a, i) => `${quoteIdent(a)} => $${i + 1}`).join(', ')})`,
      Object.values(args),
    );
    return rows[0];
  }

  async procedureExists(procedure: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ found: boolean }>('SELECT to_regproc($1) IS NOT NULL AS found', [
      quoteName(procedure),
    ]);
    return rows[0]?.found === true;
  }

  isTransientError(error: unknown): boolean {
    return isTransientPostgresError(error);
  }

  async readPrivacySettings() {
    return readPrivacySettings(this.pool);
  }

  async exportCompany(companyId: string) {
    return exportCompany(this.pool, companyId);
  }

  async readPipelineHealth(): Promise<Row | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM "ETL"."vw_Dash_PipelineHealth"');
    return rows[0];
  }

  clientParams(): Promise<ClientParamRow[]> {
    return clientParams(this.pool);
  }

  replaceDatacenterRanges(load: DatacenterRangeLoad): Promise<void> {
    return replaceDatacenterRanges(this.pool, load);
  }

  readRangeRefreshState(provider: string): Promise<RangeRefreshState | undefined> {
    return readRangeRefreshState(this.pool, provider);
  }

  recordRangeRefreshAttempt(attempt: RangeRefreshAttempt): Promise<void> {
    return recordRangeRefreshAttempt(this.pool, attempt);
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as T[];
  }

  name(dotted: string): string {
    return quoteName(dotted);
  }

  bulkLoad(
    table: string,
    columns: readonly BulkColumn[],
    rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  ): Promise<number> {
    return copyRows(this.pool, table, columns, rows);
  }

  async withLockIfFree<T>(
    lockName: string,
    work: () => Promise<T>,
  ): Promise<{ ran: true; result: T } | { ran: false }> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS got',
        [lockName],
      );
      if (!rows[0]?.got) return { ran: false };
      try {
        return { ran: true, result: await work() };
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockName]);
      }
    } finally {
      client.release();
    }
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

/** SQL Server / Azure SQL engine (driver `mssql`, TDS bulk load for hits). */
import sql from 'mssql';
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
import { bulkRows } from './bulkLoad.js';
import { clientParams } from './clientParams.js';
import { MssqlConsumerFile } from './consumers.js';
import {
  readRangeRefreshState,
  recordRangeRefreshAttempt,
  replaceDatacenterRanges,
} from './datacenterRanges.js';
import { isTransientMssqlError } from './errors.js';
import { MssqlHitInspector } from './inspect.js';
import { MssqlPixelRegistry } from './pixels.js';
import { exportCompany, readPrivacySettings } from './privacy.js';
import { MssqlSchemaStore } from './schema.js';
import { inTransaction, quoteName, rowsOf } from './sql.js';

const HIT_COLUMN_LIST = HIT_COLUMN_NAMES.join(', ');
const HIT_JSON_COLUMNS: ReadonlySet<string> = new Set(['ParamsJson', 'ClientParamsJson', 'HeadersJson']);

/** A writer column's value as PiXL.Test stores it: the JSON columns arrive as text and are stored as json. */
export function hitColumnValue(column: (typeof HIT_COLUMN_NAMES)[number], value: string): string {
  return HIT_JSON_COLUMNS.has(column) ? `CAST(${value} AS JSON)` : value;
}

const HIT_SELECT_LIST = HIT_COLUMN_NAMES.map((c) => hitColumnValue(c, c)).join(', ');

/**
 * The bulk load's type of each writer column (the temp table #Hits): a Record over HIT_COLUMN_NAMES, so the
 * compiler holds it to that one list, and the table is built in its order, the order of hitRowValues.
 */
export const HIT_BULK_COLUMNS: Record<
  (typeof HIT_COLUMN_NAMES)[number],
  [sql.ISqlType | (() => sql.ISqlType), boolean]
> = {
  HitId: [sql.UniqueIdentifier, false],
  HitType: [sql.VarChar(10), false],
  CompanyID: [sql.VarChar(64), false],
  PiXLID: [sql.VarChar(64), false],
  IPAddress: [sql.VarChar(45), true],
  RequestPath: [sql.NVarChar(4000), true],
  QueryString: [sql.NVarChar(sql.MAX), true],
  QueryTruncated: [sql.Bit, false],
  ParamsJson: [sql.NVarChar(sql.MAX), false],
  ClientParamsJson: [sql.NVarChar(sql.MAX), false],
  FpHash: [sql.VarBinary(32), true],
  HeadersJson: [sql.NVarChar(sql.MAX), false],
  UserAgent: [sql.NVarChar(2000), true],
  Referer: [sql.NVarChar(2000), true],
  ReceivedAt: [sql.DateTime2(3), false],
  IsKnownBot: [sql.Bit, false],
};

/** `$1, $2` placeholders (the shared form) become `@p1, @p2`. */
function toNamedParameters(text: string): string {
  return text.replace(/\$(\d+)/g, '@p$1');
}

export class MssqlWarehouse implements Warehouse, SqlConsole {
  readonly engine = 'mssql' as const;
  readonly schema: MssqlSchemaStore;
  readonly consumers: MssqlConsumerFile;
  readonly pixels: MssqlPixelRegistry;
  readonly inspect: MssqlHitInspector;
  private readonly pool: sql.ConnectionPool;
  private connecting: Promise<sql.ConnectionPool> | undefined;

  constructor(
    private readonly connectionString: string,
    poolMax = 10,
  ) {
    this.pool = new sql.ConnectionPool(this.config(poolMax));
    this.pool.on('error', () => {});
    this.schema = new MssqlSchemaStore(() => this.connected());
    this.pixels = new MssqlPixelRegistry(() => this.connected());
    this.inspect = new MssqlHitInspector(() => this.connected());
    this.consumers = new MssqlConsumerFile(() => this.connected());
  }

  private config(poolMax: number): sql.config {
    const parsed = sql.ConnectionPool.parseConnectionString(this.connectionString) as sql.config;
    return {
      ...parsed,
      pool: { max: poolMax, min: 0, idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS },
      requestTimeout: 300_000,
      options: { ...parsed.options, useUTC: true },
      // A checked-out connection is validated by its socket's state, not by a SELECT 1 round trip before every
      // request and transaction (mssql's default; node_modules/mssql/README.md "Connection Validation"). A
      // connection that died anyway fails its request with a transient error, which is retried (errors.ts).
      ...({ validateConnection: 'socket' } as Partial<sql.config>),
    };
  }

  private connected(): Promise<sql.ConnectionPool> {
    this.connecting ??= this.pool.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  async insertHits(rows: readonly HitRow[]): Promise<number> {
    return (await this.insertHitBatches([rows]))[0] ?? 0;
  }

  /**
   * One TDS bulk load of every batch's rows into a temp table, then one INSERT … SELECT into PiXL.Test, in one
   * transaction: six round trips (begin, create, `insert bulk`, the rows, insert, commit) per call, however
   * many messages the call carries. The json columns travel as NVARCHAR and are cast by the INSERT: the
   * bulk load protocol has no json type, and loading text straight into json columns lost rows on early
   * SQL Server 2025 builds.
   */
  async insertHitBatches(batches: readonly (readonly HitRow[])[]): Promise<number[]> {
    const rows = batches.flat();
    if (rows.length === 0) return batches.map(() => 0);
    const pool = await this.connected();
    const table = new sql.Table('#Hits');
    table.create = true;
    for (const name of HIT_COLUMN_NAMES) {
      const [type, nullable] = HIT_BULK_COLUMNS[name];
      table.columns.add(name, type, { nullable });
    }
    for (const r of rows) table.rows.add(...hitRowValues(r));
    const added = await inTransaction(pool, async (tx) => {
      await new sql.Request(tx).bulk(table);
      // A HitId already landed (a redelivered message) is filtered out, so OUTPUT lists the rows added and
      // tells each batch its count without relying on how OUTPUT reports rows that IGNORE_DUP_KEY drops;
      // UX_Test_HitId's IGNORE_DUP_KEY = ON still skips one landed by a concurrent writer meanwhile.
      const result = await new sql.Request(tx).query<{ HitId: string }>(`
        INSERT INTO PiXL.Test (${HIT_COLUMN_LIST})
        OUTPUT inserted.HitId
        SELECT ${HIT_SELECT_LIST}
        FROM #Hits h
        WHERE NOT EXISTS (SELECT 1 FROM PiXL.Test t WHERE t.HitId = h.HitId)
        ORDER BY ReceivedAt, HitId;
        DROP TABLE #Hits;`);
      return result.recordset.map((r) => String(r.HitId));
    });
    return countAddedPerBatch(batches, added);
  }

  /** A procedure whose first result set is one row; arguments passed by name (`@BatchSize = @p1`). */
  async callProcedure(procedure: string, args: ProcedureArgs = {}): Promise<Row | undefined> {
    const names = Object.keys(args);
    const request = (await this.connected()).request();
    names.forEach((name, i) => {
      request.input(`p${i + 1}`, args[name]);
    });
    const result = await request.query(
      `EXEC ${quoteName(procedure)} ${names.map((a, i) => `@${a} = @p${i + 1}`).join(', ')}`,
    );
    return rowsOf(result.recordset)[0];
  }

  async procedureExists(procedure: string): Promise<boolean> {
    const result = await (await this.connected())
      .request()
      .input('name', sql.NVarChar(400), quoteName(procedure))
      .query<{ found: number }>("SELECT CASE WHEN OBJECT_ID(@name, N'P') IS NULL THEN 0 ELSE 1 END AS found");
    return result.recordset[0]?.found === 1;
  }

  isTransientError(error: unknown): boolean {
    return isTransientMssqlError(error);
  }

  async readPrivacySettings() {
    return readPrivacySettings(await this.connected());
  }

  async exportCompany(companyId: string) {
    return exportCompany(await this.connected(), companyId);
  }

  async readPipelineHealth(): Promise<Row | undefined> {
    const result = await (await this.connected()).request().query('SELECT * FROM ETL.vw_Dash_PipelineHealth');
    return rowsOf(result.recordset)[0];
  }

  async clientParams(): Promise<ClientParamRow[]> {
    return clientParams(await this.connected());
  }

  async replaceDatacenterRanges(load: DatacenterRangeLoad): Promise<void> {
    await replaceDatacenterRanges(await this.connected(), load);
  }

  async readRangeRefreshState(provider: string): Promise<RangeRefreshState | undefined> {
    return readRangeRefreshState(await this.connected(), provider);
  }

  async recordRangeRefreshAttempt(attempt: RangeRefreshAttempt): Promise<void> {
    await recordRangeRefreshAttempt(await this.connected(), attempt);
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const request = (await this.connected()).request();
    params.forEach((value, i) => {
      request.input(`p${i + 1}`, value);
    });
    const result = await request.query<T>(toNamedParameters(text));
    return rowsOf(result.recordset);
  }

  name(dotted: string): string {
    return quoteName(dotted);
  }

  async bulkLoad(
    table: string,
    columns: readonly BulkColumn[],
    rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  ): Promise<number> {
    return bulkRows(await this.connected(), table, columns, rows);
  }

  async withLock<T>(lockName: string, work: () => Promise<T>): Promise<T> {
    const outcome = await this.holdAppLock(lockName, -1, work);
    if (!outcome.ran) throw new Error(`could not take the lock ${lockName}`);
    return outcome.result;
  }

  withLockIfFree<T>(
    lockName: string,
    work: () => Promise<T>,
  ): Promise<{ ran: true; result: T } | { ran: false }> {
    return this.holdAppLock(lockName, 0, work);
  }

  /** A session-owned app lock needs one connection held for the whole work: a pool of exactly one. */
  private async holdAppLock<T>(
    lockName: string,
    timeoutMs: number,
    work: () => Promise<T>,
  ): Promise<{ ran: true; result: T } | { ran: false }> {
    const holder = await new sql.ConnectionPool({ ...this.config(1), pool: { max: 1, min: 1 } }).connect();
    try {
      const result = await holder
        .request()
        .input('name', sql.NVarChar(255), lockName)
        .input('timeout', sql.Int, timeoutMs)
        .query<{ Status: number }>(
          "DECLARE @s INT; EXEC @s = sp_getapplock @Resource = @name, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @timeout; SELECT @s AS Status;",
        );
      if ((result.recordset[0]?.Status ?? -1) < 0) return { ran: false };
      return { ran: true, result: await work() };
    } finally {
      await holder.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

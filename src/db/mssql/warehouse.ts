/** SQL Server / Azure SQL engine (driver `mssql`, TDS bulk load for hits). */
import sql from 'mssql';
import { hitRowValues } from '../hitColumns.js';
import type { BulkColumn, DatacenterRangeLoad, HitRow, Row, Warehouse } from '../types.js';
import { bulkRows } from './bulkLoad.js';
import { replaceDatacenterRanges } from './datacenterRanges.js';

/** Splits a T-SQL script into batches at lines holding only GO, as sqlcmd does. */
export function splitBatches(script: string): string[] {
  return script
    .split(/^\s*GO\s*;?\s*$/im)
    .map((b) => b.trim())
    .filter(Boolean);
}

/** `$1, $2` placeholders (the shared form) become `@p1, @p2`. */
function toNamedParameters(text: string): string {
  return text.replace(/\$(\d+)/g, '@p$1');
}

export class MssqlWarehouse implements Warehouse {
  readonly engine = 'mssql' as const;
  private readonly pool: sql.ConnectionPool;
  private connecting: Promise<sql.ConnectionPool> | undefined;

  constructor(
    private readonly connectionString: string,
    poolMax = 10,
  ) {
    this.pool = new sql.ConnectionPool(this.config(poolMax));
    this.pool.on('error', () => {});
  }

  private config(poolMax: number): sql.config {
    const parsed = sql.ConnectionPool.parseConnectionString(this.connectionString) as sql.config;
    return {
      ...parsed,
      pool: { max: poolMax, min: 0, idleTimeoutMillis: 30_000 },
      requestTimeout: 300_000,
      options: { ...parsed.options, useUTC: true },
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
    if (rows.length === 0) return 0;
    const pool = await this.connected();
    const table = new sql.Table('#Hits');
    table.create = true;
    table.columns.add('HitId', sql.UniqueIdentifier, { nullable: false });
    table.columns.add('HitType', sql.VarChar(10), { nullable: false });
    table.columns.add('CompanyID', sql.VarChar(64), { nullable: false });
    table.columns.add('PiXLID', sql.VarChar(64), { nullable: false });
    table.columns.add('IPAddress', sql.VarChar(45), { nullable: true });
    table.columns.add('RequestPath', sql.VarChar(4000), { nullable: true });
    table.columns.add('QueryString', sql.VarChar(sql.MAX), { nullable: true });
    table.columns.add('QueryTruncated', sql.Bit, { nullable: false });
    table.columns.add('ParamsJson', sql.NVarChar(sql.MAX), { nullable: false });
    table.columns.add('HeadersJson', sql.NVarChar(sql.MAX), { nullable: false });
    table.columns.add('UserAgent', sql.VarChar(2000), { nullable: true });
    table.columns.add('Referer', sql.VarChar(2000), { nullable: true });
    table.columns.add('ReceivedAt', sql.DateTime2(3), { nullable: false });
    table.columns.add('IsKnownBot', sql.Bit, { nullable: false });
    for (const r of rows) table.rows.add(...hitRowValues(r));
    const tx = new sql.Transaction(pool);
    await tx.begin();
    try {
      await new sql.Request(tx).bulk(table);
      // UX_Test_HitId has IGNORE_DUP_KEY = ON: a HitId already landed (a redelivered message) is skipped.
      const result = await new sql.Request(tx).query<{ Inserted: number }>(`
        INSERT INTO PiXL.Test (HitId, HitType, CompanyID, PiXLID, IPAddress, RequestPath, QueryString,
          QueryTruncated, ParamsJson, HeadersJson, UserAgent, Referer, ReceivedAt, IsKnownBot)
        SELECT HitId, HitType, CompanyID, PiXLID, IPAddress, RequestPath, QueryString,
          QueryTruncated, CAST(ParamsJson AS JSON), CAST(HeadersJson AS JSON), UserAgent, Referer, ReceivedAt,
          IsKnownBot
        FROM #Hits ORDER BY ReceivedAt, HitId;
        SELECT @@ROWCOUNT AS Inserted;
        DROP TABLE #Hits;`);
      await tx.commit();
      return result.recordset[0]?.Inserted ?? 0;
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
  }

  async replaceDatacenterRanges(load: DatacenterRangeLoad): Promise<void> {
    await replaceDatacenterRanges(await this.connected(), load);
  }

  async query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const request = (await this.connected()).request();
    params.forEach((value, i) => {
      request.input(`p${i + 1}`, value);
    });
    const result = await request.query<T>(toNamedParameters(text));
    return result.recordset ?? [];
  }

  name(dotted: string): string {
    return dotted
      .split('.')
      .map((part) => `[${part.replaceAll(']', ']]')}]`)
      .join('.');
  }

  async applyMigration(name: string, script: string): Promise<void> {
    const tx = new sql.Transaction(await this.connected());
    await tx.begin();
    try {
      for (const batch of splitBatches(script)) await new sql.Request(tx).batch(batch);
      await new sql.Request(tx)
        .input('name', sql.VarChar(200), name)
        .query('INSERT INTO dbo.SchemaMigrations (Name) VALUES (@name)');
      await tx.commit();
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
  }

  async appliedMigrations(): Promise<string[]> {
    const pool = await this.connected();
    await pool.request().batch(`IF OBJECT_ID(N'dbo.SchemaMigrations', N'U') IS NULL
      CREATE TABLE dbo.SchemaMigrations (Name VARCHAR(200) NOT NULL PRIMARY KEY,
        AppliedAt DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME());`);
    const result = await pool
      .request()
      .query<{ Name: string }>('SELECT Name FROM dbo.SchemaMigrations ORDER BY Name');
    return result.recordset.map((r) => r.Name);
  }

  async bulkLoad(
    table: string,
    columns: readonly BulkColumn[],
    rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  ): Promise<number> {
    return bulkRows(await this.connected(), table, columns, rows);
  }

  async withLock<T>(lockName: string, work: () => Promise<T>): Promise<T> {
    // A session-owned app lock needs one connection held for the whole work: a pool of exactly one.
    const holder = await new sql.ConnectionPool({ ...this.config(1), pool: { max: 1, min: 1 } }).connect();
    try {
      const result = await holder
        .request()
        .input('name', sql.NVarChar(255), lockName)
        .query<{ Status: number }>(
          "DECLARE @s INT; EXEC @s = sp_getapplock @Resource = @name, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = -1; SELECT @s AS Status;",
        );
      if ((result.recordset[0]?.Status ?? -1) < 0) throw new Error(`could not take the lock ${lockName}`);
      return await work();
    } finally {
      await holder.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/**
 * SQL Server: one provider's datacenter ranges replaced atomically: TDS bulk load into a temp table, then in
 * one transaction DELETE the provider's rows and INSERT from the temp table.
 */
import sql from 'mssql';
import { cutUtf8 } from '../../text/utf8.js';
import type { DatacenterRangeLoad, RangeRefreshAttempt, RangeRefreshState } from '../types.js';
import { inTransaction } from './sql.js';

/** Shared with ETL.usp_ClassifyIPs (which takes it shared): classification never reads half a refresh. */
export const RANGES_DATA_LOCK = 'smartpixl-ranges-data';

export async function replaceDatacenterRanges(
  pool: sql.ConnectionPool,
  load: DatacenterRangeLoad,
): Promise<void> {
  const table = new sql.Table('#DatacenterRange');
  table.create = true;
  table.columns.add('Cidr', sql.VarChar(43), { nullable: false });
  table.columns.add('Family', sql.SmallInt, { nullable: false });
  table.columns.add('StartAddress', sql.VarBinary(16), { nullable: false });
  table.columns.add('EndAddress', sql.VarBinary(16), { nullable: false });
  table.columns.add('Region', sql.VarChar(64), { nullable: true });
  table.columns.add('Service', sql.VarChar(64), { nullable: true });
  for (const r of load.ranges) table.rows.add(r.cidr, r.family, r.start, r.end, r.region, r.service);

  await inTransaction(pool, async (tx) => {
    await new sql.Request(tx).bulk(table);
    await new sql.Request(tx)
      .input('provider', sql.VarChar(20), load.provider)
      .input('etag', sql.VarChar(2000), load.etag)
      .input('lastModified', sql.VarChar(2000), load.lastModified)
      .input('hash', sql.Char(64), load.contentHash)
      .input('count', sql.Int, load.ranges.length)
      .input('published', sql.Int, load.publishedCount)
      .input('rejected', sql.Int, load.rejectedCount)
      .input('lock', sql.NVarChar(255), RANGES_DATA_LOCK)
      .query(`
        DECLARE @s INT;
        EXEC @s = sp_getapplock @Resource = @lock, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = -1;
        IF @s < 0 THROW 50001, 'could not take the ranges lock', 1;
        -- Taken after the lock: a classification that finished before this transaction is older than ChangedAt.
        DECLARE @now DATETIME2(3) = SYSUTCDATETIME();
        DELETE FROM PiXL.DatacenterRange WHERE Provider = @provider;
        INSERT INTO PiXL.DatacenterRange (Provider, Cidr, Family, StartAddress, EndAddress, Region, Service, LoadedAt)
        SELECT @provider, Cidr, Family, StartAddress, EndAddress, Region, Service, @now FROM #DatacenterRange;
        UPDATE ETL.RangeRefresh
        SET ETag = @etag, LastModified = @lastModified, ContentHash = @hash, RangeCount = @count,
            PublishedCount = @published, RejectedCount = @rejected, LastStatus = 'loaded', LastError = NULL,
            LastAttemptAt = @now, LastSuccessAt = @now, ChangedAt = @now
        WHERE Provider = @provider;
        IF @@ROWCOUNT = 0
          INSERT INTO ETL.RangeRefresh (Provider, ETag, LastModified, ContentHash, RangeCount, PublishedCount,
            RejectedCount, LastStatus, LastError, LastAttemptAt, LastSuccessAt, ChangedAt)
          VALUES (@provider, @etag, @lastModified, @hash, @count, @published, @rejected, 'loaded', NULL,
            @now, @now, @now);
        DROP TABLE #DatacenterRange;`);
  });
}

export async function readRangeRefreshState(
  pool: sql.ConnectionPool,
  provider: string,
): Promise<RangeRefreshState | undefined> {
  const { recordset } = await pool
    .request()
    .input('provider', sql.VarChar(20), provider)
    .query<RangeRefreshState>(
      `SELECT Provider AS provider, ETag AS etag, LastModified AS lastModified, ContentHash AS contentHash,
         RangeCount AS rangeCount
       FROM ETL.RangeRefresh WHERE Provider = @provider`,
    );
  return recordset[0];
}

export async function recordRangeRefreshAttempt(
  pool: sql.ConnectionPool,
  a: RangeRefreshAttempt,
): Promise<void> {
  await pool
    .request()
    .input('provider', sql.VarChar(20), a.provider)
    .input('status', sql.VarChar(20), a.status)
    // VARCHAR(1000) under the UTF-8 collation (infra/main.bicep) holds 1,000 bytes, not characters: longer
    // fails the UPDATE (Msg 2628). PostgreSQL's varchar(1000) counts characters.
    .input('error', sql.NVarChar(1000), a.error === null ? null : cutUtf8(a.error, 1000))
    .input('success', sql.Bit, a.success)
    .input('hasValidators', sql.Bit, a.validators !== undefined)
    .input('etag', sql.VarChar(2000), a.validators?.etag ?? null)
    .input('lastModified', sql.VarChar(2000), a.validators?.lastModified ?? null)
    .query(`
      DECLARE @now DATETIME2(3) = SYSUTCDATETIME();
      UPDATE ETL.RangeRefresh WITH (UPDLOCK, SERIALIZABLE)
      SET LastStatus = @status, LastError = @error, LastAttemptAt = @now,
          LastSuccessAt = CASE WHEN @success = 1 THEN @now ELSE LastSuccessAt END,
          ETag = CASE WHEN @hasValidators = 1 THEN @etag ELSE ETag END,
          LastModified = CASE WHEN @hasValidators = 1 THEN @lastModified ELSE LastModified END
      WHERE Provider = @provider;
      IF @@ROWCOUNT = 0
        INSERT INTO ETL.RangeRefresh (Provider, LastStatus, LastError, LastAttemptAt, LastSuccessAt, ETag, LastModified)
        VALUES (@provider, @status, @error, @now, CASE WHEN @success = 1 THEN @now END, @etag, @lastModified);`);
}

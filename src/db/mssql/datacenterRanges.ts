/**
 * SQL Server: one provider's datacenter ranges replaced atomically: TDS bulk load into a temp table, then in
 * one transaction DELETE the provider's rows and INSERT from the temp table.
 */
import sql from 'mssql';
import type { DatacenterRangeLoad } from '../types.js';

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

  const tx = new sql.Transaction(pool);
  await tx.begin();
  try {
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
    await tx.commit();
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  }
}

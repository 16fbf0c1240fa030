-- Classifies up to @BatchSize IPs that need it, oldest classification first; returns how many, and how many of
-- them are in a datacenter. Holds the ranges lock shared: a refresh (exclusive) either committed before this
-- batch read the ranges, or takes its ChangedAt after this batch committed, so no IP keeps a stale class.
CREATE OR ALTER PROCEDURE ETL.usp_ClassifyIPs @BatchSize INT = 50000
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  -- A caller under SNAPSHOT would read a stale version of the watermark and of the rows behind it; the
  -- level set here lasts until the procedure returns.
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  BEGIN TRANSACTION;
  DECLARE @s INT;
  EXEC @s = sp_getapplock @Resource = 'smartpixl-ranges-data', @LockMode = 'Shared',
    @LockOwner = 'Transaction', @LockTimeout = -1;
  IF @s < 0 THROW 50001, 'could not take the ranges lock', 1;
  DECLARE @since DATETIME2(3) = (SELECT COALESCE(MAX(r.ChangedAt), '19000101') FROM ETL.RangeRefresh AS r);

  CREATE TABLE #Batch (
    IpId BIGINT NOT NULL PRIMARY KEY,
    K VARBINARY(16) NULL,
    IpClass VARCHAR(20) COLLATE DATABASE_DEFAULT NULL,
    Provider VARCHAR(20) COLLATE DATABASE_DEFAULT NULL
  );
  -- Keys first, stored: each row's text-to-key expression is evaluated once, not in every place the key is used.
  INSERT INTO #Batch (IpId, K)
  SELECT b.IpId, COALESCE(b.IpBinary, x.IpBinary)
  FROM (
    SELECT TOP (@BatchSize) ip.IpId, ip.IPAddress, ip.IpBinary
    FROM PiXL.IP AS ip
    WHERE ip.ClassifiedAt <= @since
    ORDER BY ip.ClassifiedAt, ip.IpId
  ) AS b
  CROSS APPLY ETL.IpToBinary(b.IPAddress) AS x;

  UPDATE bt
  SET IpClass = c.IpClass, Provider = d.Provider
  FROM #Batch AS bt
  CROSS APPLY ETL.IpClassOf(bt.K) AS c
  OUTER APPLY ETL.DatacenterOf(bt.K) AS d;

  UPDATE ip
  SET IpBinary = b.K,
      IpType = b.IpClass,
      IsDatacenter = CASE WHEN b.Provider IS NULL THEN 0 ELSE 1 END,
      DatacenterProvider = b.Provider,
      ClassifiedAt = SYSUTCDATETIME()
  FROM PiXL.IP AS ip
  JOIN #Batch AS b ON b.IpId = ip.IpId;

  SELECT RowsClassified = COUNT(*),
         DatacenterIPs = COALESCE(SUM(CASE WHEN b.Provider IS NULL THEN 0 ELSE 1 END), 0)
  FROM #Batch AS b;
  DROP TABLE #Batch;
  COMMIT TRANSACTION;
END;
GO

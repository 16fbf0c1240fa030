-- Hits of an erased person that landed after the erasure (they were in the queue, or the person came back):
-- among the visits with @AfterSeq < Visit.MatchSeq <= @UpToSeq, those whose email hashes to, or whose `hid` is,
-- a hash in PiXL.ErasureSuppression (for their company or '*') are erased with their raw, parsed and
-- recent-hit rows, and with the device and address when nothing else refers to them. Counted on the
-- suppression row. ETL.usp_ParseNewHits calls this on the visits it has just written, before it commits, and
-- ETL.usp_MatchVisits on its batch before matching: no later step sees such a visit. Returns the number of
-- visits erased. Mirrors the PostgreSQL file.
CREATE OR ALTER PROCEDURE ETL.usp_EraseSuppressed @AfterSeq BIGINT, @UpToSeq BIGINT
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  DECLARE @n INT;
  IF NOT EXISTS (SELECT 1 FROM PiXL.ErasureSuppression) RETURN 0;

  CREATE TABLE #suppressed (
    VisitID     BIGINT NOT NULL PRIMARY KEY,
    DeviceId    BIGINT NULL,
    IpId        BIGINT NULL,
    EmailSha256 CHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
    Scope       VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL
  );

  INSERT INTO #suppressed (VisitID, DeviceId, IpId, EmailSha256, Scope)
  SELECT x.VisitID, x.DeviceId, x.IpId, x.EmailSha256, x.CompanyID
  FROM (
    SELECT k.VisitID, k.DeviceId, k.IpId, s.EmailSha256, s.CompanyID,
      ROW_NUMBER() OVER (PARTITION BY k.VisitID ORDER BY s.CompanyID) AS rn
    FROM (
      SELECT v.VisitID, v.CompanyID, v.DeviceId, v.IpId, v.EmailSha256 AS EmailHash, v.MatchHid AS Hid
      FROM PiXL.Visit AS v
      WHERE v.MatchSeq > @AfterSeq AND v.MatchSeq <= @UpToSeq
    ) AS k
    JOIN PiXL.ErasureSuppression AS s
      ON s.EmailSha256 IN (k.EmailHash COLLATE Latin1_General_100_BIN2, k.Hid COLLATE Latin1_General_100_BIN2)
      AND s.CompanyID IN (k.CompanyID, '*')
  ) AS x
  WHERE x.rn = 1;
  SET @n = @@ROWCOUNT;
  IF @n = 0 RETURN 0;

  DELETE mv FROM PiXL.MatchVisit AS mv JOIN #suppressed AS x ON x.VisitID = mv.VisitID;
  DELETE r FROM ETL.RecentHit AS r JOIN #suppressed AS x ON x.VisitID = r.SourceId;
  DELETE r FROM ETL.SignalHit AS r JOIN #suppressed AS x ON x.VisitID = r.SourceId;
  DELETE p FROM PiXL.Parsed AS p JOIN #suppressed AS x ON x.VisitID = p.SourceId;
  DELETE v FROM PiXL.Visit AS v JOIN #suppressed AS x ON x.VisitID = v.VisitID;
  DELETE t FROM PiXL.Test AS t JOIN #suppressed AS x ON x.VisitID = t.Id;
  DELETE d FROM PiXL.Device AS d
  WHERE d.DeviceId IN (SELECT x.DeviceId FROM #suppressed AS x)
    AND NOT EXISTS (SELECT 1 FROM PiXL.Visit AS v WHERE v.DeviceId = d.DeviceId)
    AND NOT EXISTS (SELECT 1 FROM PiXL.VisitorDevice AS vd WHERE vd.DeviceId = d.DeviceId);
  DELETE i FROM PiXL.IP AS i
  WHERE i.IpId IN (SELECT x.IpId FROM #suppressed AS x)
    AND NOT EXISTS (SELECT 1 FROM PiXL.Visit AS v WHERE v.IpId = i.IpId);

  UPDATE s SET LateHitsErased = s.LateHitsErased + c.n, LastErasedAt = SYSUTCDATETIME()
  FROM PiXL.ErasureSuppression AS s
  JOIN (SELECT x.EmailSha256, x.Scope, COUNT_BIG(*) AS n FROM #suppressed AS x GROUP BY x.EmailSha256, x.Scope) AS c
    ON c.EmailSha256 = s.EmailSha256 AND c.Scope = s.CompanyID;
  RETURN @n;
END;
GO

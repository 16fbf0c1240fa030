-- Retention (docs/PRIVACY.md): deletes, in one short transaction per call, up to @BatchSize visits older than
-- their pixel's retention together with their raw (PiXL.Test), parsed, recent-hit and match-link rows, and up to
-- @BatchSize matches last seen before it. A pixel's retention is the shorter of PiXL.Company.RetentionDays and
-- PiXL.Config.RetentionDays, 365 days when neither is set. Each pixel's expired visits are one seek of
-- IX_Visit_Retention (the pixels themselves are found by skipping through that index), so the cost follows
-- what is deleted, not the table size. Once the visits are caught up, a sweep walks Visitor, Device and IP a
-- batch at a time (ETL.RetentionCursor) and deletes the rows nothing refers to any more (no match names the
-- visitor; no visit or visitor link names the device or address). Deletes are by key and at most 4,000 rows a
-- statement (ETL_RETENTION_BATCH_SIZE), under the 5,000-lock escalation threshold, so the writer's inserts never
-- wait on them. A second caller while one runs, or while the parse or matching runs, returns at once with
-- Busy = 1. Mirrors the PostgreSQL file.
CREATE OR ALTER PROCEDURE ETL.usp_PurgeRetention @BatchSize INT = 2000
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  DECLARE @now DATETIME2(3) = SYSUTCDATETIME(), @lock INT,
    @nVisit INT = 0, @nTest INT = 0, @nParsed INT = 0, @nRecent INT = 0, @nMv INT = 0, @nMatch INT = 0,
    @nVisitor INT = 0, @nDevice INT = 0, @nIp INT = 0,
    @doneVisitor INT = 0, @doneDevice INT = 0, @doneIp INT = 0,
    @cursor BIGINT, @lastId BIGINT, @scanned INT, @company VARCHAR(64), @pixel VARCHAR(64),
    @nextCompany VARCHAR(64), @nextPixel VARCHAR(64);

  BEGIN TRANSACTION;
  -- Neither the parse nor matching runs meanwhile, so "nothing refers to it" stays true until this commits.
  EXEC @lock = sp_getapplock @Resource = N'ETL.usp_PurgeRetention', @LockMode = N'Exclusive',
    @LockOwner = N'Transaction', @LockTimeout = 0;
  IF @lock >= 0
    EXEC @lock = sp_getapplock @Resource = N'ETL.usp_ParseNewHits', @LockMode = N'Exclusive',
      @LockOwner = N'Transaction', @LockTimeout = 0;
  IF @lock >= 0
    EXEC @lock = sp_getapplock @Resource = N'ETL.usp_MatchVisits', @LockMode = N'Exclusive',
      @LockOwner = N'Transaction', @LockTimeout = 0;
  IF @lock < 0
  BEGIN
    ROLLBACK TRANSACTION;
    SELECT 0 AS VisitsPurged, 0 AS TestRows, 0 AS ParsedRows, 0 AS RecentHitRows, 0 AS MatchVisitRows,
      0 AS MatchRows, 0 AS VisitorRows, 0 AS DeviceRows, 0 AS IPRows,
      0 AS VisitorSweepDone, 0 AS DeviceSweepDone, 0 AS IPSweepDone, 1 AS Busy;
    RETURN;
  END;

  CREATE TABLE #pixel (
    CompanyID VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    PiXLID    VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    Cutoff    DATETIME2(3) NOT NULL,
    PRIMARY KEY (CompanyID, PiXLID)
  );
  CREATE TABLE #visit (VisitID BIGINT NOT NULL PRIMARY KEY);
  CREATE TABLE #match (MatchId BIGINT NOT NULL PRIMARY KEY);

  -- Every pixel with visits, one index seek each (a skip scan of IX_Visit_Retention), and its cutoff.
  SELECT TOP (1) @company = v.CompanyID, @pixel = v.PiXLID FROM PiXL.Visit AS v ORDER BY v.CompanyID, v.PiXLID;
  WHILE @company IS NOT NULL
  BEGIN
    INSERT INTO #pixel (CompanyID, PiXLID, Cutoff)
    SELECT @company, @pixel,
      -- No further back than 0001-01-01, the first day DATETIME2 holds: a longer retention keeps everything,
      -- where DATEADD would fail the whole pass (Msg 517).
      DATEADD(DAY, -LEAST(COALESCE(LEAST(co.RetentionDays, cf.RetentionDays), 365), DATEDIFF(DAY, CAST('00010101' AS DATE), @now)), @now)
    FROM (SELECT 1 AS one) AS x
    LEFT JOIN PiXL.Company AS co ON co.CompanyID = @company
    LEFT JOIN PiXL.Config AS cf ON cf.CompanyID = @company AND cf.PiXLID = @pixel;
    SELECT @nextCompany = NULL, @nextPixel = NULL;
    SELECT TOP (1) @nextCompany = v.CompanyID, @nextPixel = v.PiXLID FROM PiXL.Visit AS v
    WHERE v.CompanyID = @company AND v.PiXLID > @pixel ORDER BY v.PiXLID;
    IF @nextCompany IS NULL
      SELECT TOP (1) @nextCompany = v.CompanyID, @nextPixel = v.PiXLID FROM PiXL.Visit AS v
      WHERE v.CompanyID > @company ORDER BY v.CompanyID, v.PiXLID;
    SELECT @company = @nextCompany, @pixel = @nextPixel;
  END;

  INSERT INTO #visit (VisitID)
  SELECT TOP (@BatchSize) e.VisitID
  FROM #pixel AS rp
  CROSS APPLY (
    SELECT TOP (@BatchSize) v.VisitID FROM PiXL.Visit AS v
    WHERE v.CompanyID = rp.CompanyID AND v.PiXLID = rp.PiXLID AND v.ReceivedAt < rp.Cutoff
    ORDER BY v.ReceivedAt
  ) AS e;
  SET @nVisit = @@ROWCOUNT;

  DELETE mv FROM PiXL.MatchVisit AS mv JOIN #visit AS x ON x.VisitID = mv.VisitID;
  SET @nMv = @@ROWCOUNT;
  DELETE r FROM ETL.RecentHit AS r JOIN #visit AS x ON x.VisitID = r.SourceId;
  SET @nRecent = @@ROWCOUNT;
  DELETE r FROM ETL.SignalHit AS r JOIN #visit AS x ON x.VisitID = r.SourceId;
  SET @nRecent += @@ROWCOUNT;
  DELETE p FROM PiXL.Parsed AS p JOIN #visit AS x ON x.VisitID = p.SourceId;
  SET @nParsed = @@ROWCOUNT;
  DELETE t FROM PiXL.Test AS t JOIN #visit AS x ON x.VisitID = t.Id;
  SET @nTest = @@ROWCOUNT;
  DELETE v FROM PiXL.Visit AS v JOIN #visit AS x ON x.VisitID = v.VisitID;

  -- Matches last seen before their pixel's cutoff, with whatever visit links they still have.
  INSERT INTO #match (MatchId)
  SELECT TOP (@BatchSize) e.MatchId
  FROM #pixel AS rp
  CROSS APPLY (
    SELECT TOP (@BatchSize) m.MatchId FROM PiXL.Match AS m
    WHERE m.CompanyID = rp.CompanyID AND m.PiXLID = rp.PiXLID AND m.LastSeen < rp.Cutoff
    ORDER BY m.LastSeen
  ) AS e;
  DELETE mv FROM PiXL.MatchVisit AS mv JOIN #match AS x ON x.MatchId = mv.MatchId;
  SET @nMv += @@ROWCOUNT;
  DELETE m FROM PiXL.Match AS m JOIN #match AS x ON x.MatchId = m.MatchId;
  SET @nMatch = @@ROWCOUNT;

  -- The shared tables, once the visits are caught up: rows nothing refers to any more.
  IF @nVisit < @BatchSize
  BEGIN
    SELECT @cursor = LastId FROM ETL.RetentionCursor WITH (UPDLOCK) WHERE TableName = 'Visitor';
    SELECT @scanned = COUNT(*), @lastId = MAX(x.VisitorId)
    FROM (SELECT TOP (@BatchSize) vr.VisitorId FROM PiXL.Visitor AS vr WHERE vr.VisitorId > ISNULL(@cursor, 0)
      ORDER BY vr.VisitorId) AS x;
    SELECT vr.VisitorId INTO #goneVisitor FROM PiXL.Visitor AS vr
    WHERE vr.VisitorId > ISNULL(@cursor, 0) AND vr.VisitorId <= @lastId
      AND NOT EXISTS (SELECT 1 FROM PiXL.Match AS m WHERE m.IndividualKey = vr.IndividualKey);
    DELETE vd FROM PiXL.VisitorDevice AS vd JOIN #goneVisitor AS g ON g.VisitorId = vd.VisitorId;
    DELETE vr FROM PiXL.Visitor AS vr JOIN #goneVisitor AS g ON g.VisitorId = vr.VisitorId;
    SET @nVisitor = @@ROWCOUNT;
    UPDATE ETL.RetentionCursor SET LastId = CASE WHEN @scanned < @BatchSize THEN 0 ELSE @lastId END, LastRunAt = @now
    WHERE TableName = 'Visitor';
    SET @doneVisitor = CASE WHEN @scanned < @BatchSize THEN 1 ELSE 0 END;

    SELECT @cursor = LastId FROM ETL.RetentionCursor WITH (UPDLOCK) WHERE TableName = 'Device';
    SELECT @scanned = COUNT(*), @lastId = MAX(x.DeviceId)
    FROM (SELECT TOP (@BatchSize) d.DeviceId FROM PiXL.Device AS d WHERE d.DeviceId > ISNULL(@cursor, 0)
      ORDER BY d.DeviceId) AS x;
    DELETE d FROM PiXL.Device AS d
    WHERE d.DeviceId > ISNULL(@cursor, 0) AND d.DeviceId <= @lastId
      AND NOT EXISTS (SELECT 1 FROM PiXL.Visit AS v WHERE v.DeviceId = d.DeviceId)
      AND NOT EXISTS (SELECT 1 FROM PiXL.VisitorDevice AS vd WHERE vd.DeviceId = d.DeviceId);
    SET @nDevice = @@ROWCOUNT;
    UPDATE ETL.RetentionCursor SET LastId = CASE WHEN @scanned < @BatchSize THEN 0 ELSE @lastId END, LastRunAt = @now
    WHERE TableName = 'Device';
    SET @doneDevice = CASE WHEN @scanned < @BatchSize THEN 1 ELSE 0 END;

    SELECT @cursor = LastId FROM ETL.RetentionCursor WITH (UPDLOCK) WHERE TableName = 'IP';
    SELECT @scanned = COUNT(*), @lastId = MAX(x.IpId)
    FROM (SELECT TOP (@BatchSize) i.IpId FROM PiXL.IP AS i WHERE i.IpId > ISNULL(@cursor, 0) ORDER BY i.IpId) AS x;
    DELETE i FROM PiXL.IP AS i
    WHERE i.IpId > ISNULL(@cursor, 0) AND i.IpId <= @lastId
      AND NOT EXISTS (SELECT 1 FROM PiXL.Visit AS v WHERE v.IpId = i.IpId);
    SET @nIp = @@ROWCOUNT;
    UPDATE ETL.RetentionCursor SET LastId = CASE WHEN @scanned < @BatchSize THEN 0 ELSE @lastId END, LastRunAt = @now
    WHERE TableName = 'IP';
    SET @doneIp = CASE WHEN @scanned < @BatchSize THEN 1 ELSE 0 END;
  END;
  COMMIT;

  SELECT @nVisit AS VisitsPurged, @nTest AS TestRows, @nParsed AS ParsedRows, @nRecent AS RecentHitRows,
    @nMv AS MatchVisitRows, @nMatch AS MatchRows, @nVisitor AS VisitorRows, @nDevice AS DeviceRows, @nIp AS IPRows,
    @doneVisitor AS VisitorSweepDone, @doneDevice AS DeviceSweepDone, @doneIp AS IPSweepDone, 0 AS Busy;
END;
GO

-- Erases one person (docs/PRIVACY.md "Erasure"): every raw hit whose `_cp_email` normalises to the address or
-- hashes to @EraseSha256, or whose `_cp_hid` is @EraseSha256; the Parsed, Visit, ETL.RecentHit and MatchVisit
-- rows of those hits; the Match rows keyed on the address or hash; the Visitor of the people those matches
-- resolved to (with its VisitorDevice rows) when no other match still names them; and the devices and addresses
-- these rows referred to that nothing else refers to. @EraseCompanyID limits all of it to one company (NULL:
-- every company). @IncludeConsumerFile also deletes the person's records from the consumer file. Then it records
-- the request (hash, scope, time, counts; never the address) and adds the hash to PiXL.ErasureSuppression, so
-- hits still on their way are erased when the ETL reaches them (ETL.usp_EraseSuppressed). One transaction,
-- after the parse and match locks: neither can write this person's rows again while it runs. Mirrors the
-- PostgreSQL file.
CREATE OR ALTER PROCEDURE PiXL.usp_ErasePerson
  @EraseSha256 NVARCHAR(64), @EraseEmail NVARCHAR(4000) = NULL, @EraseCompanyID VARCHAR(64) = NULL,
  @IncludeConsumerFile BIT = 0, @ScanAllRaw BIT = 0
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  DECLARE @h CHAR(64) = CONVERT(CHAR(64), LOWER(@EraseSha256)) COLLATE Latin1_General_100_BIN2,
    @e NVARCHAR(4000) = PiXL.NormaliseEmail(@EraseEmail), @co VARCHAR(64) = @EraseCompanyID,
    @nTest INT = 0, @nParsed INT = 0, @nVisit INT = 0, @nRecent INT = 0, @nMv INT = 0, @nMatch INT = 0,
    @nVd INT = 0, @nVisitor INT = 0, @nDevice INT = 0, @nIp INT = 0, @nConsumer INT = 0, @erasureId BIGINT,
    @lock INT, @parsedTo BINARY(8);

  IF @EraseSha256 IS NULL OR LEN(@EraseSha256) <> 64
    OR LOWER(@EraseSha256) COLLATE Latin1_General_100_BIN2 LIKE N'%[^0-9a-f]%'
    THROW 50001, 'EraseSha256 must be 64 hex digits', 1;
  IF @e IS NOT NULL AND PiXL.EmailSha256(@e) <> @h
    THROW 50002, 'EraseSha256 is not the SHA-256 of the normalised EraseEmail', 1;
  -- The consumer file may be an elastic-query external table (README, "consumer file"), and elastic query is
  -- read-only: refuse before anything is erased rather than fail after.
  IF @IncludeConsumerFile = 1 AND EXISTS (
      SELECT 1 FROM sys.synonyms AS sn
      JOIN sys.external_tables AS et ON et.object_id = OBJECT_ID(sn.base_object_name)
      WHERE sn.object_id = OBJECT_ID(N'PiXL.AutoConsumerSource'))
    THROW 50005, 'erasure: the consumer file is an external table (elastic query), which is read-only: erase the person in its own database, and here without --consumer-file', 1;

  BEGIN TRANSACTION;
  -- Waits for a running parse or match batch to end, and keeps the next ones out until this commits.
  EXEC @lock = sp_getapplock @Resource = N'ETL.usp_ParseNewHits', @LockMode = N'Exclusive',
    @LockOwner = N'Transaction', @LockTimeout = 120000;
  IF @lock < 0 THROW 50003, 'erasure: the parse kept its lock for 2 minutes', 1;
  EXEC @lock = sp_getapplock @Resource = N'ETL.usp_MatchVisits', @LockMode = N'Exclusive',
    @LockOwner = N'Transaction', @LockTimeout = 120000;
  IF @lock < 0 THROW 50004, 'erasure: matching kept its lock for 2 minutes', 1;

  CREATE TABLE #hit (Id BIGINT NOT NULL PRIMARY KEY);
  CREATE TABLE #match (MatchId BIGINT NOT NULL PRIMARY KEY, IndividualKey VARCHAR(35) COLLATE DATABASE_DEFAULT NULL);
  CREATE TABLE #ref (DeviceId BIGINT NULL, IpId BIGINT NULL);

  INSERT INTO #match (MatchId, IndividualKey)
  SELECT m.MatchId, m.IndividualKey FROM PiXL.Match AS m
  WHERE m.MatchKey IN (@h, @e) AND m.MatchType IN ('email', 'email_hash') AND (@co IS NULL OR m.CompanyID = @co);

  -- The person's hits: parsed ones through the visits' indexed email and hashes, the visits their matches
  -- counted, and raw rows not parsed yet (after the parse watermark, which holds still under the parse lock)
  -- carrying the address or hash. @ScanAllRaw reads every raw row instead: it also finds a hit whose visit was
  -- opted out by settings changed after the writer kept its params (docs/PRIVACY.md), at the cost of a scan.
  SELECT @parsedTo = CASE WHEN @ScanAllRaw = 1 THEN 0x0000000000000000 ELSE LastVersion END
  FROM ETL.Watermark WHERE ProcessName = 'ParseNewHits';
  INSERT INTO #hit (Id)
  SELECT v.VisitID FROM PiXL.Visit AS v
  WHERE v.MatchEmail = @e AND (@co IS NULL OR v.CompanyID = @co)
  UNION
  SELECT v.VisitID FROM PiXL.Visit AS v
  WHERE v.EmailSha256 = @h AND (@co IS NULL OR v.CompanyID = @co)
  UNION
  SELECT v.VisitID FROM PiXL.Visit AS v
  WHERE v.MatchHid = @h AND (@co IS NULL OR v.CompanyID = @co)
  UNION
  SELECT mv.VisitID FROM #match AS em JOIN PiXL.MatchVisit AS mv ON mv.MatchId = em.MatchId
  UNION
  SELECT t.Id FROM PiXL.Test AS t
  -- The writer's ClientParamsJson; NULL on rows landed before it, whose client params are in ParamsJson.
  CROSS APPLY (SELECT
    CASE WHEN t.ClientParamsJson IS NULL THEN JSON_VALUE(t.ParamsJson, '$._cp_hid')
      ELSE JSON_VALUE(t.ClientParamsJson, '$.hid') END AS Hid,
    CASE WHEN t.ClientParamsJson IS NULL THEN JSON_VALUE(t.ParamsJson, '$._cp_email')
      ELSE JSON_VALUE(t.ClientParamsJson, '$.email') END AS Email) AS cp
  WHERE (@co IS NULL OR t.CompanyID = @co) AND t.RowVer > ISNULL(@parsedTo, 0x0000000000000000)
    AND (LOWER(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM cp.Hid)) COLLATE Latin1_General_100_BIN2 = @h
      OR (@e IS NOT NULL AND PiXL.NormaliseEmail(cp.Email) COLLATE Latin1_General_100_BIN2 = @e)
      OR (@e IS NULL AND PiXL.EmailSha256(cp.Email) = @h))
  -- Compiled for this call's values: a NULL @co or @ScanAllRaw would otherwise shape a plan kept for every call.
  OPTION (RECOMPILE);

  -- The matches those visits were counted in are the person's too (keyed on the address when only the hash was
  -- given).
  INSERT INTO #match (MatchId, IndividualKey)
  SELECT DISTINCT m.MatchId, m.IndividualKey
  FROM #hit AS x JOIN PiXL.MatchVisit AS mv ON mv.VisitID = x.Id JOIN PiXL.Match AS m ON m.MatchId = mv.MatchId
  WHERE m.MatchType IN ('email', 'email_hash')
    AND NOT EXISTS (SELECT 1 FROM #match AS em WHERE em.MatchId = m.MatchId);

  INSERT INTO #ref (DeviceId, IpId)
  SELECT v.DeviceId, v.IpId FROM PiXL.Visit AS v JOIN #hit AS x ON x.Id = v.VisitID
  UNION ALL
  SELECT m.DeviceId, m.IpId FROM PiXL.Match AS m JOIN #match AS em ON em.MatchId = m.MatchId;

  DELETE mv FROM PiXL.MatchVisit AS mv JOIN #hit AS x ON x.Id = mv.VisitID;
  SET @nMv = @@ROWCOUNT;
  DELETE mv FROM PiXL.MatchVisit AS mv JOIN #match AS em ON em.MatchId = mv.MatchId;
  SET @nMv += @@ROWCOUNT;
  DELETE m FROM PiXL.Match AS m JOIN #match AS em ON em.MatchId = m.MatchId;
  SET @nMatch = @@ROWCOUNT;

  -- The people these matches resolved to, once no match (of another company, say) names them any more.
  INSERT INTO #ref (DeviceId, IpId)
  SELECT vd.DeviceId, NULL FROM PiXL.VisitorDevice AS vd JOIN PiXL.Visitor AS vr ON vr.VisitorId = vd.VisitorId
  WHERE vr.IndividualKey IN (SELECT em.IndividualKey FROM #match AS em);
  DELETE vd FROM PiXL.VisitorDevice AS vd
  JOIN PiXL.Visitor AS vr ON vr.VisitorId = vd.VisitorId
  WHERE vr.IndividualKey IN (SELECT em.IndividualKey FROM #match AS em)
    AND NOT EXISTS (SELECT 1 FROM PiXL.Match AS m WHERE m.IndividualKey = vr.IndividualKey);
  SET @nVd = @@ROWCOUNT;
  DELETE vr FROM PiXL.Visitor AS vr
  WHERE vr.IndividualKey IN (SELECT em.IndividualKey FROM #match AS em)
    AND NOT EXISTS (SELECT 1 FROM PiXL.Match AS m WHERE m.IndividualKey = vr.IndividualKey);
  SET @nVisitor = @@ROWCOUNT;

  -- The signals' look-back (ETL.SignalHit since 0053, ETL.RecentHit before), counted together.
  DELETE r FROM ETL.RecentHit AS r JOIN #hit AS x ON x.Id = r.SourceId;
  SET @nRecent = @@ROWCOUNT;
  DELETE r FROM ETL.SignalHit AS r JOIN #hit AS x ON x.Id = r.SourceId;
  SET @nRecent += @@ROWCOUNT;
  DELETE p FROM PiXL.Parsed AS p JOIN #hit AS x ON x.Id = p.SourceId;
  SET @nParsed = @@ROWCOUNT;
  DELETE v FROM PiXL.Visit AS v JOIN #hit AS x ON x.Id = v.VisitID;
  SET @nVisit = @@ROWCOUNT;
  DELETE t FROM PiXL.Test AS t JOIN #hit AS x ON x.Id = t.Id;
  SET @nTest = @@ROWCOUNT;

  -- Devices and addresses nothing refers to any more (visits and visitor links; a match's device or address is
  -- that of one of its visits).
  DELETE d FROM PiXL.Device AS d
  WHERE d.DeviceId IN (SELECT r.DeviceId FROM #ref AS r)
    AND NOT EXISTS (SELECT 1 FROM PiXL.Visit AS v WHERE v.DeviceId = d.DeviceId)
    AND NOT EXISTS (SELECT 1 FROM PiXL.VisitorDevice AS vd WHERE vd.DeviceId = d.DeviceId);
  SET @nDevice = @@ROWCOUNT;
  DELETE i FROM PiXL.IP AS i
  WHERE i.IpId IN (SELECT r.IpId FROM #ref AS r)
    AND NOT EXISTS (SELECT 1 FROM PiXL.Visit AS v WHERE v.IpId = i.IpId);
  SET @nIp = @@ROWCOUNT;

  -- Dynamic, so the procedure compiles whatever the synonym names (an external table takes no DELETE).
  IF @IncludeConsumerFile = 1
    EXEC sp_executesql N'DELETE FROM PiXL.AutoConsumerSource WHERE EMailSha256 = @h; SET @n = @@ROWCOUNT;',
      N'@h CHAR(64), @n INT OUTPUT', @h = @h, @n = @nConsumer OUTPUT;

  INSERT INTO PiXL.ErasureRequest (EmailSha256, CompanyID, Removed)
  VALUES (@h, @co, JSON_OBJECT(
    'Test': @nTest, 'Parsed': @nParsed, 'Visit': @nVisit, 'RecentHit': @nRecent, 'MatchVisit': @nMv,
    'Match': @nMatch, 'VisitorDevice': @nVd, 'Visitor': @nVisitor, 'Device': @nDevice, 'IP': @nIp,
    'AutoConsumer': @nConsumer));
  SET @erasureId = SCOPE_IDENTITY();
  UPDATE PiXL.ErasureSuppression SET ErasureId = @erasureId
  WHERE EmailSha256 = @h AND CompanyID = ISNULL(@co, '*');
  IF @@ROWCOUNT = 0
    INSERT INTO PiXL.ErasureSuppression (EmailSha256, CompanyID, ErasureId) VALUES (@h, ISNULL(@co, '*'), @erasureId);
  COMMIT;

  SELECT @erasureId AS ErasureId, @nTest AS TestRows, @nParsed AS ParsedRows, @nVisit AS VisitRows,
    @nRecent AS RecentHitRows, @nMv AS MatchVisitRows, @nMatch AS MatchRows, @nVd AS VisitorDeviceRows,
    @nVisitor AS VisitorRows, @nDevice AS DeviceRows, @nIp AS IPRows, @nConsumer AS AutoConsumerRows;
END;
GO

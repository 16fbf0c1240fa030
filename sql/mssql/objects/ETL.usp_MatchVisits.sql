-- ETL.usp_MatchVisits as in 0031, plus: a visit whose parsed hit is flagged IsLikelyBot (0040), or whose address
-- PiXL.IP now says is in a datacenter (the classify step runs between parse and match, so the first hit of a
-- new address is caught too), is not matched when its pixel's PiXL.Config.ExcludeBots is on. It still counts
-- as processed: the watermark passes it, and a later change of ExcludeBots does not revisit it. Nothing is deleted: the visit and its Parsed row stay.
-- Privacy (0070, docs/PRIVACY.md): a visit whose hit opted out (PrivacyOptOut) is never a candidate, and the
-- visits of erased people are erased by ETL.usp_EraseSuppressed before the batch is matched.

-- Matches the next batch of visits (in MatchSeq order after the watermark) in one transaction.
-- Candidates: the pixel's Config.MatchEmail is on (no Config row = on), the visit is not a likely bot while the
-- pixel's Config.ExcludeBots is on, and the visit has a plausible email
-- (normalised, LIKE '%_@_%.__%', 6..200 characters: MatchType 'email') and/or a `hid` client param of 64 hex
-- digits, the SHA-256 of the normalised email (MatchType 'email_hash'). The newest AutoConsumer record of the
-- key (highest RecordID) gives IndividualKey and AddressKey. PiXL.Match is upserted per (CompanyID, PiXLID,
-- MatchType, MatchKey) with the reference's rules; a visit already linked to its match is skipped, so
-- re-processing changes nothing. Before the batch, when AutoConsumer's highest RecordID has grown, unresolved
-- matches are looked up again (LateMatched). A second caller while one runs returns at once with zeros.
-- Lookups compare AutoConsumer's EMailNorm (UTF-8, binary) and EMailSha256 (binary) with keys converted to
-- exactly those types and collations, so each is an index seek.
CREATE OR ALTER PROCEDURE ETL.usp_MatchVisits @BatchSize INT = 1000
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  -- A caller under SNAPSHOT would read a stale version of the watermark and of the rows behind it; the
  -- level set here lasts until the procedure returns.
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  DECLARE @lock INT, @lastSeq BIGINT, @lastConsumer BIGINT, @consumerMax BIGINT,
    @now DATETIME2(3) = SYSUTCDATETIME(), @rows INT = 0, @matched INT = 0, @late INT = 0,
    @fromId BIGINT, @toId BIGINT, @toSeq BIGINT, @upperSeq BIGINT;

  BEGIN TRANSACTION;
  EXEC @lock = sp_getapplock @Resource = N'ETL.usp_MatchVisits', @LockMode = N'Exclusive',
    @LockOwner = N'Transaction', @LockTimeout = 0;
  IF @lock < 0
  BEGIN
    COMMIT;
    SELECT 0 AS RowsProcessed, 0 AS RowsMatched, CAST(NULL AS BIGINT) AS FromId, CAST(NULL AS BIGINT) AS ToId,
      0 AS LateMatched;
    RETURN;
  END;

  SELECT @lastSeq = LastMatchSeq, @lastConsumer = ConsumerRecordId
  FROM ETL.MatchWatermark WITH (UPDLOCK, HOLDLOCK) WHERE ProcessName = 'MatchVisits';
  IF @lastSeq IS NULL
  BEGIN
    INSERT INTO ETL.MatchWatermark (ProcessName) VALUES ('MatchVisits');
    SELECT @lastSeq = 0, @lastConsumer = 0;
  END;

  CREATE TABLE #late (MatchId BIGINT NOT NULL PRIMARY KEY);
  CREATE TABLE #batch (
    MatchSeq   BIGINT NOT NULL PRIMARY KEY,
    VisitID    BIGINT NOT NULL,
    CompanyID  VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    PiXLID     VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    DeviceId   BIGINT NULL,
    IpId       BIGINT NULL,
    ReceivedAt DATETIME2(3) NOT NULL,
    Email      NVARCHAR(4000) COLLATE DATABASE_DEFAULT NULL,
    Hid        NVARCHAR(4000) COLLATE DATABASE_DEFAULT NULL,
    MatchOn    BIT NOT NULL
  );
  CREATE TABLE #cand (
    VisitID       BIGINT NOT NULL,
    CompanyID     VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    PiXLID        VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    MatchType     VARCHAR(10) COLLATE DATABASE_DEFAULT NOT NULL,
    MatchKey      NVARCHAR(400) COLLATE DATABASE_DEFAULT NOT NULL,
    EmailKey      VARCHAR(1020) COLLATE Latin1_General_100_BIN2_UTF8 NULL,
    HashKey       CHAR(64) COLLATE Latin1_General_100_BIN2 NULL,
    DeviceId      BIGINT NULL,
    IpId          BIGINT NULL,
    ReceivedAt    DATETIME2(3) NOT NULL,
    IndividualKey VARCHAR(35) COLLATE DATABASE_DEFAULT NULL,
    AddressKey    VARCHAR(35) COLLATE DATABASE_DEFAULT NULL,
    MatchId       BIGINT NULL,
    PRIMARY KEY (VisitID, MatchType)
  );
  CREATE TABLE #agg (
    CompanyID     VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    PiXLID        VARCHAR(64) COLLATE DATABASE_DEFAULT NOT NULL,
    MatchType     VARCHAR(10) COLLATE DATABASE_DEFAULT NOT NULL,
    MatchKey      NVARCHAR(400) COLLATE DATABASE_DEFAULT NOT NULL,
    IndividualKey VARCHAR(35) COLLATE DATABASE_DEFAULT NULL,
    AddressKey    VARCHAR(35) COLLATE DATABASE_DEFAULT NULL,
    DeviceId      BIGINT NULL,
    IpId          BIGINT NULL,
    FirstVisitID  BIGINT NOT NULL,
    LatestVisitID BIGINT NOT NULL,
    FirstSeen     DATETIME2(3) NOT NULL,
    LastSeen      DATETIME2(3) NOT NULL,
    Hits          INT NOT NULL
  );
  CREATE TABLE #seen (
    IndividualKey VARCHAR(35) COLLATE DATABASE_DEFAULT NOT NULL,
    DeviceId      BIGINT NULL,
    ReceivedAt    DATETIME2(3) NOT NULL
  );

  -- 1. The consumer file grew: look unresolved matches up again, in the new records only. A join, not a
  -- probe per unresolved match, so the optimizer drives from whichever side is smaller (a few new records,
  -- or a few unresolved matches). The newest new record of a key is the newest of all.
  SELECT @consumerMax = ISNULL(MAX(s.RecordID), 0) FROM PiXL.AutoConsumerSource AS s;
  IF @consumerMax > @lastConsumer
  BEGIN
    WITH found AS (
      SELECT m.MatchId, s.IndividualKey, s.AddressKey,
        ROW_NUMBER() OVER (PARTITION BY m.MatchId ORDER BY s.RecordID DESC) AS n
      FROM PiXL.Match AS m
      JOIN PiXL.AutoConsumerSource AS s
        ON s.EMailNorm = CONVERT(VARCHAR(1020), m.MatchKey COLLATE Latin1_General_100_BIN2_UTF8)
       AND s.RecordID > @lastConsumer
      WHERE m.IndividualKey IS NULL AND m.MatchType = 'email'
      UNION ALL
      SELECT m.MatchId, s.IndividualKey, s.AddressKey,
        ROW_NUMBER() OVER (PARTITION BY m.MatchId ORDER BY s.RecordID DESC) AS n
      FROM PiXL.Match AS m
      JOIN PiXL.AutoConsumerSource AS s
        ON s.EMailSha256 = CONVERT(CHAR(64), m.MatchKey) COLLATE Latin1_General_100_BIN2
       AND s.RecordID > @lastConsumer
      WHERE m.IndividualKey IS NULL AND m.MatchType = 'email_hash'
    )
    UPDATE m SET IndividualKey = f.IndividualKey, AddressKey = ISNULL(m.AddressKey, f.AddressKey),
      MatchedAt = ISNULL(m.MatchedAt, @now)
    OUTPUT inserted.MatchId INTO #late (MatchId)
    FROM PiXL.Match AS m
    JOIN found AS f ON f.MatchId = m.MatchId
    WHERE f.n = 1 AND f.IndividualKey IS NOT NULL;

    SELECT @late = COUNT(*) FROM #late;
  END;

  -- 2. The batch is the next @BatchSize visits. Those of erased people are erased, not matched
  -- (docs/PRIVACY.md); the watermark still passes them.
  SELECT @upperSeq = MAX(x.MatchSeq)
  FROM (SELECT TOP (@BatchSize) v.MatchSeq FROM PiXL.Visit AS v WHERE v.MatchSeq > @lastSeq ORDER BY v.MatchSeq) AS x;
  IF @upperSeq IS NOT NULL
    EXEC ETL.usp_EraseSuppressed @AfterSeq = @lastSeq, @UpToSeq = @upperSeq;

  -- 3. The batch and its candidates. A visit whose hit opted out (PrivacyOptOut) is never a candidate.
  INSERT INTO #batch (MatchSeq, VisitID, CompanyID, PiXLID, DeviceId, IpId, ReceivedAt, Email, Hid, MatchOn)
  SELECT TOP (@BatchSize) v.MatchSeq, v.VisitID, v.CompanyID, v.PiXLID, v.DeviceId, v.IpId, v.ReceivedAt,
    PiXL.NormaliseEmail(v.MatchEmail),
    LOWER(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM JSON_VALUE(v.ClientParamsJson, '$.hid'))),
    CASE WHEN cfg.MatchEmail = 0 OR v.PrivacyOptOut = 1
      OR (cfg.ExcludeBots = 1 AND (p.IsLikelyBot = 1 OR ipr.IsDatacenter = 1))
      THEN 0 ELSE 1 END
  FROM PiXL.Visit AS v
  LEFT JOIN PiXL.Config AS cfg ON cfg.CompanyID = v.CompanyID AND cfg.PiXLID = v.PiXLID
  LEFT JOIN PiXL.Parsed AS p ON p.SourceId = v.VisitID
  LEFT JOIN PiXL.IP AS ipr ON ipr.IpId = v.IpId
  WHERE v.MatchSeq > @lastSeq AND v.MatchSeq <= @upperSeq
  ORDER BY v.MatchSeq;

  SELECT @rows = COUNT(*), @fromId = MIN(VisitID), @toId = MAX(VisitID), @toSeq = MAX(MatchSeq) FROM #batch;

  INSERT INTO #cand (VisitID, CompanyID, PiXLID, MatchType, MatchKey, EmailKey, HashKey, DeviceId, IpId, ReceivedAt)
  SELECT b.VisitID, b.CompanyID, b.PiXLID, 'email', b.Email,
    CONVERT(VARCHAR(1020), b.Email COLLATE Latin1_General_100_BIN2_UTF8), NULL, b.DeviceId, b.IpId, b.ReceivedAt
  FROM #batch AS b
  WHERE b.MatchOn = 1 AND b.Email LIKE N'%_@_%.__%' AND LEN(b.Email) BETWEEN 6 AND 200
  UNION ALL
  SELECT b.VisitID, b.CompanyID, b.PiXLID, 'email_hash', b.Hid, NULL, CONVERT(CHAR(64), b.Hid), b.DeviceId, b.IpId,
    b.ReceivedAt
  FROM #batch AS b
  WHERE b.MatchOn = 1 AND LEN(b.Hid) = 64 AND b.Hid COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9a-f]%';

  -- Visits already linked to their match were counted by an earlier run.
  DELETE c FROM #cand AS c
  WHERE EXISTS (
    SELECT 1 FROM PiXL.MatchVisit AS mv
    WHERE mv.VisitID BETWEEN @fromId AND @toId AND mv.VisitID = c.VisitID AND mv.MatchType = c.MatchType
  );

  -- 4. Newest consumer record per key: one index seek each.
  UPDATE c SET IndividualKey = f.IndividualKey, AddressKey = f.AddressKey
  FROM #cand AS c
  CROSS APPLY (
    SELECT TOP (1) s.IndividualKey, s.AddressKey FROM PiXL.AutoConsumerSource AS s
    WHERE s.EMailNorm = c.EmailKey ORDER BY s.RecordID DESC
  ) AS f
  WHERE c.MatchType = 'email';

  UPDATE c SET IndividualKey = f.IndividualKey, AddressKey = f.AddressKey
  FROM #cand AS c
  CROSS APPLY (
    SELECT TOP (1) s.IndividualKey, s.AddressKey FROM PiXL.AutoConsumerSource AS s
    WHERE s.EMailSha256 = c.HashKey ORDER BY s.RecordID DESC
  ) AS f
  WHERE c.MatchType = 'email_hash';

  -- 5. Upsert PiXL.Match per pixel and key: counts, latest visit, keys only where still empty.
  INSERT INTO #agg (CompanyID, PiXLID, MatchType, MatchKey, IndividualKey, AddressKey, DeviceId, IpId,
    FirstVisitID, LatestVisitID, FirstSeen, LastSeen, Hits)
  SELECT g.CompanyID, g.PiXLID, g.MatchType, g.MatchKey, g.IndividualKey, g.AddressKey, lt.DeviceId, lt.IpId,
    ft.VisitID, lt.VisitID, g.FirstSeen, g.LastSeen, g.Hits
  FROM (
    SELECT c.CompanyID, c.PiXLID, c.MatchType, c.MatchKey, MAX(c.IndividualKey) AS IndividualKey,
      MAX(c.AddressKey) AS AddressKey, MIN(c.ReceivedAt) AS FirstSeen, MAX(c.ReceivedAt) AS LastSeen, COUNT(*) AS Hits
    FROM #cand AS c
    GROUP BY c.CompanyID, c.PiXLID, c.MatchType, c.MatchKey
  ) AS g
  CROSS APPLY (
    SELECT TOP (1) c.VisitID, c.DeviceId, c.IpId FROM #cand AS c
    WHERE c.CompanyID = g.CompanyID AND c.PiXLID = g.PiXLID AND c.MatchType = g.MatchType AND c.MatchKey = g.MatchKey
    ORDER BY c.ReceivedAt DESC, c.VisitID DESC
  ) AS lt
  CROSS APPLY (
    SELECT TOP (1) c.VisitID FROM #cand AS c
    WHERE c.CompanyID = g.CompanyID AND c.PiXLID = g.PiXLID AND c.MatchType = g.MatchType AND c.MatchKey = g.MatchKey
    ORDER BY c.ReceivedAt, c.VisitID
  ) AS ft;

  UPDATE m SET
    HitCount = m.HitCount + a.Hits,
    LatestVisitID = CASE WHEN m.LastSeen IS NULL OR a.LastSeen >= m.LastSeen THEN a.LatestVisitID ELSE m.LatestVisitID END,
    DeviceId = CASE WHEN m.LastSeen IS NULL OR a.LastSeen >= m.LastSeen THEN a.DeviceId ELSE m.DeviceId END,
    IpId = CASE WHEN m.LastSeen IS NULL OR a.LastSeen >= m.LastSeen THEN a.IpId ELSE m.IpId END,
    FirstVisitID = ISNULL(m.FirstVisitID, a.FirstVisitID),
    FirstSeen = CASE WHEN m.FirstSeen IS NULL OR a.FirstSeen < m.FirstSeen THEN a.FirstSeen ELSE m.FirstSeen END,
    LastSeen = CASE WHEN m.LastSeen IS NULL OR a.LastSeen > m.LastSeen THEN a.LastSeen ELSE m.LastSeen END,
    IndividualKey = ISNULL(m.IndividualKey, a.IndividualKey),
    AddressKey = ISNULL(m.AddressKey, a.AddressKey),
    MatchedAt = ISNULL(m.MatchedAt, CASE WHEN a.IndividualKey IS NOT NULL THEN @now END)
  FROM PiXL.Match AS m
  JOIN #agg AS a ON a.CompanyID = m.CompanyID AND a.PiXLID = m.PiXLID AND a.MatchType = m.MatchType
    AND a.MatchKey = m.MatchKey;

  INSERT INTO PiXL.Match (CompanyID, PiXLID, MatchType, MatchKey, IndividualKey, AddressKey, DeviceId, IpId,
    FirstVisitID, LatestVisitID, FirstSeen, LastSeen, HitCount, MatchedAt)
  SELECT a.CompanyID, a.PiXLID, a.MatchType, a.MatchKey, a.IndividualKey, a.AddressKey, a.DeviceId, a.IpId,
    a.FirstVisitID, a.LatestVisitID, a.FirstSeen, a.LastSeen, a.Hits,
    CASE WHEN a.IndividualKey IS NOT NULL THEN @now END
  FROM #agg AS a
  WHERE NOT EXISTS (
    SELECT 1 FROM PiXL.Match AS m
    WHERE m.CompanyID = a.CompanyID AND m.PiXLID = a.PiXLID AND m.MatchType = a.MatchType AND m.MatchKey = a.MatchKey
  );

  -- 6. Link each candidate visit to its match.
  UPDATE c SET MatchId = m.MatchId
  FROM #cand AS c
  JOIN PiXL.Match AS m ON m.CompanyID = c.CompanyID AND m.PiXLID = c.PiXLID AND m.MatchType = c.MatchType
    AND m.MatchKey = c.MatchKey;
  INSERT INTO PiXL.MatchVisit (VisitID, MatchType, MatchId)
  SELECT c.VisitID, c.MatchType, c.MatchId FROM #cand AS c;

  SELECT @matched = COUNT(DISTINCT c.VisitID)
  FROM #cand AS c JOIN PiXL.Match AS m ON m.MatchId = c.MatchId
  WHERE m.IndividualKey IS NOT NULL;

  -- 7. Visitors: the people of the visits linked now and of the matches resolved late, and their devices.
  INSERT INTO #seen (IndividualKey, DeviceId, ReceivedAt)
  SELECT m.IndividualKey, c.DeviceId, c.ReceivedAt
  FROM #cand AS c JOIN PiXL.Match AS m ON m.MatchId = c.MatchId
  WHERE m.IndividualKey IS NOT NULL
  UNION ALL
  SELECT m.IndividualKey, v.DeviceId, v.ReceivedAt
  FROM #late AS l
  JOIN PiXL.Match AS m ON m.MatchId = l.MatchId
  JOIN PiXL.MatchVisit AS mv ON mv.MatchId = l.MatchId
  JOIN PiXL.Visit AS v ON v.VisitID = mv.VisitID;

  UPDATE vr SET
    FirstSeen = CASE WHEN s.FirstSeen < vr.FirstSeen THEN s.FirstSeen ELSE vr.FirstSeen END,
    LastSeen = CASE WHEN s.LastSeen > vr.LastSeen THEN s.LastSeen ELSE vr.LastSeen END
  FROM PiXL.Visitor AS vr
  JOIN (SELECT IndividualKey, MIN(ReceivedAt) AS FirstSeen, MAX(ReceivedAt) AS LastSeen FROM #seen GROUP BY IndividualKey) AS s
    ON s.IndividualKey = vr.IndividualKey;
  INSERT INTO PiXL.Visitor (IndividualKey, FirstSeen, LastSeen)
  SELECT s.IndividualKey, s.FirstSeen, s.LastSeen
  FROM (SELECT IndividualKey, MIN(ReceivedAt) AS FirstSeen, MAX(ReceivedAt) AS LastSeen FROM #seen GROUP BY IndividualKey) AS s
  WHERE NOT EXISTS (SELECT 1 FROM PiXL.Visitor AS vr WHERE vr.IndividualKey = s.IndividualKey);

  UPDATE vd SET
    FirstSeen = CASE WHEN s.FirstSeen < vd.FirstSeen THEN s.FirstSeen ELSE vd.FirstSeen END,
    LastSeen = CASE WHEN s.LastSeen > vd.LastSeen THEN s.LastSeen ELSE vd.LastSeen END
  FROM PiXL.VisitorDevice AS vd
  JOIN (
    SELECT vr.VisitorId, se.DeviceId, MIN(se.ReceivedAt) AS FirstSeen, MAX(se.ReceivedAt) AS LastSeen
    FROM #seen AS se JOIN PiXL.Visitor AS vr ON vr.IndividualKey = se.IndividualKey
    WHERE se.DeviceId IS NOT NULL
    GROUP BY vr.VisitorId, se.DeviceId
  ) AS s ON s.VisitorId = vd.VisitorId AND s.DeviceId = vd.DeviceId;
  INSERT INTO PiXL.VisitorDevice (VisitorId, DeviceId, FirstSeen, LastSeen)
  SELECT s.VisitorId, s.DeviceId, s.FirstSeen, s.LastSeen
  FROM (
    SELECT vr.VisitorId, se.DeviceId, MIN(se.ReceivedAt) AS FirstSeen, MAX(se.ReceivedAt) AS LastSeen
    FROM #seen AS se JOIN PiXL.Visitor AS vr ON vr.IndividualKey = se.IndividualKey
    WHERE se.DeviceId IS NOT NULL
    GROUP BY vr.VisitorId, se.DeviceId
  ) AS s
  WHERE NOT EXISTS (SELECT 1 FROM PiXL.VisitorDevice AS vd WHERE vd.VisitorId = s.VisitorId AND vd.DeviceId = s.DeviceId);

  -- 8. Watermark.
  UPDATE ETL.MatchWatermark SET
    LastMatchSeq = COALESCE(@upperSeq, @toSeq, @lastSeq),
    LastProcessedId = CASE WHEN @toId > LastProcessedId THEN @toId ELSE LastProcessedId END,
    ConsumerRecordId = CASE WHEN @consumerMax > @lastConsumer THEN @consumerMax ELSE @lastConsumer END,
    LastRunAt = @now,
    RowsProcessed = RowsProcessed + @rows,
    RowsMatched = RowsMatched + @matched,
    RowsLateMatched = RowsLateMatched + @late
  WHERE ProcessName = 'MatchVisits';
  COMMIT;

  SELECT @rows AS RowsProcessed, @matched AS RowsMatched, @fromId AS FromId, @toId AS ToId, @late AS LateMatched;
END;
GO

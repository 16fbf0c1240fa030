-- Retention (docs/PRIVACY.md): deletes, in one short transaction per call, up to BatchSize visits older than their
-- pixel's retention together with their raw (PiXL.Test), parsed, recent-hit and match-link rows, and up to
-- BatchSize matches last seen before it. A pixel's retention is the shorter of PiXL.Company.RetentionDays and
-- PiXL.Config.RetentionDays, 365 days when neither is set. Each pixel's expired visits are one seek of
-- IX_Visit_Retention (the pixels themselves are found by skipping through that index), so the cost follows
-- what is deleted, not the table size. Once the visits are caught up, a sweep walks Visitor, Device and IP a
-- batch at a time (ETL.RetentionCursor) and deletes the rows nothing refers to any more (no match names the
-- visitor; no visit or visitor link names the device or address). Deletes are by key and small, so the writer's
-- inserts never wait on them. A second caller while one runs, or while the parse or matching runs, returns at
-- once with zeros. Mirrors the T-SQL file.
CREATE OR REPLACE FUNCTION "ETL"."usp_PurgeRetention"("BatchSize" integer DEFAULT 2000)
RETURNS TABLE (
  "VisitsPurged" integer, "TestRows" integer, "ParsedRows" integer, "RecentHitRows" integer,
  "MatchVisitRows" integer, "MatchRows" integer, "VisitorRows" integer, "DeviceRows" integer, "IPRows" integer,
  -- 1 when this call's sweep of that table reached its end (the next call starts over): after one of each, every
  -- unreferenced row that existed before has been seen. Busy: another run held a lock, nothing was done.
  "VisitorSweepDone" integer, "DeviceSweepDone" integer, "IPSweepDone" integer, "Busy" integer
)
LANGUAGE plpgsql AS $fn$
DECLARE
  now_utc timestamp(3) := now() AT TIME ZONE 'UTC';
  n_visit integer := 0; n_test integer := 0; n_parsed integer := 0; n_recent integer := 0; n_mv integer := 0;
  n_match integer := 0; n_visitor integer := 0; n_device integer := 0; n_ip integer := 0; n integer;
  cursor_id bigint;
  last_id bigint;
  scanned integer;
  done_visitor integer := 0; done_device integer := 0; done_ip integer := 0;
BEGIN
  -- Neither the parse nor matching runs meanwhile, so "nothing refers to it" stays true until this commits.
  IF NOT pg_try_advisory_xact_lock(hashtext('ETL.usp_PurgeRetention'))
    OR NOT pg_try_advisory_xact_lock(hashtext('ETL.usp_ParseNewHits'))
    OR NOT pg_try_advisory_xact_lock(hashtext('ETL.usp_MatchVisits')) THEN
    RETURN QUERY SELECT 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1;
    RETURN;
  END IF;
  IF to_regclass('pg_temp.retention_pixel') IS NULL THEN
    CREATE TEMP TABLE retention_pixel ("CompanyID" varchar(64), "PiXLID" varchar(64), "Cutoff" timestamp(3))
      ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE retention_visit ("VisitID" bigint PRIMARY KEY) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE retention_match ("MatchId" bigint PRIMARY KEY) ON COMMIT DELETE ROWS;
  END IF;
  DELETE FROM retention_pixel;
  DELETE FROM retention_visit;
  DELETE FROM retention_match;

  -- Every pixel with visits, one index seek each, and its cutoff.
  INSERT INTO retention_pixel
  WITH RECURSIVE px AS (
    (SELECT v."CompanyID", v."PiXLID" FROM "PiXL"."Visit" v ORDER BY v."CompanyID", v."PiXLID" LIMIT 1)
    UNION ALL
    SELECT nx."CompanyID", nx."PiXLID"
    FROM px
    CROSS JOIN LATERAL (
      SELECT v."CompanyID", v."PiXLID" FROM "PiXL"."Visit" v
      WHERE (v."CompanyID", v."PiXLID") > (px."CompanyID", px."PiXLID")
      ORDER BY v."CompanyID", v."PiXLID" LIMIT 1
    ) nx
  )
  SELECT px."CompanyID", px."PiXLID",
    -- No further back than 0001-01-01, as on SQL Server: a longer retention keeps everything, where the date
    -- arithmetic would fail the whole pass (timestamp out of range).
    now_utc - make_interval(days => LEAST(coalesce(LEAST(co."RetentionDays", cf."RetentionDays"), 365),
      now_utc::date - date '0001-01-01'))
  FROM px
  LEFT JOIN "PiXL"."Company" co ON co."CompanyID" = px."CompanyID"
  LEFT JOIN "PiXL"."Config" cf ON cf."CompanyID" = px."CompanyID" AND cf."PiXLID" = px."PiXLID";

  INSERT INTO retention_visit
  SELECT e."VisitID"
  FROM retention_pixel rp
  CROSS JOIN LATERAL (
    SELECT v."VisitID" FROM "PiXL"."Visit" v
    WHERE v."CompanyID" = rp."CompanyID" AND v."PiXLID" = rp."PiXLID" AND v."ReceivedAt" < rp."Cutoff"
    ORDER BY v."ReceivedAt" LIMIT "BatchSize"
  ) e
  LIMIT "BatchSize";
  GET DIAGNOSTICS n_visit = ROW_COUNT;
  -- Temporary tables have no statistics: without them the deletes below may hash-join whole tables.
  ANALYZE retention_visit;

  DELETE FROM "PiXL"."MatchVisit" mv USING retention_visit x WHERE mv."VisitID" = x."VisitID";
  GET DIAGNOSTICS n_mv = ROW_COUNT;
  DELETE FROM "ETL"."RecentHit" r USING retention_visit x WHERE r."SourceId" = x."VisitID";
  GET DIAGNOSTICS n_recent = ROW_COUNT;
  DELETE FROM "ETL"."SignalHit" r USING retention_visit x WHERE r."SourceId" = x."VisitID";
  GET DIAGNOSTICS n = ROW_COUNT;
  n_recent := n_recent + n;
  DELETE FROM "PiXL"."Parsed" p USING retention_visit x WHERE p."SourceId" = x."VisitID";
  GET DIAGNOSTICS n_parsed = ROW_COUNT;
  DELETE FROM "PiXL"."Test" t USING retention_visit x WHERE t."Id" = x."VisitID";
  GET DIAGNOSTICS n_test = ROW_COUNT;
  DELETE FROM "PiXL"."Visit" v USING retention_visit x WHERE v."VisitID" = x."VisitID";

  -- Matches last seen before their pixel's cutoff, with whatever visit links they still have.
  INSERT INTO retention_match
  SELECT e."MatchId"
  FROM retention_pixel rp
  CROSS JOIN LATERAL (
    SELECT m."MatchId" FROM "PiXL"."Match" m
    WHERE m."CompanyID" = rp."CompanyID" AND m."PiXLID" = rp."PiXLID" AND m."LastSeen" < rp."Cutoff"
    ORDER BY m."LastSeen" LIMIT "BatchSize"
  ) e
  LIMIT "BatchSize";
  ANALYZE retention_match;
  DELETE FROM "PiXL"."MatchVisit" mv USING retention_match x WHERE mv."MatchId" = x."MatchId";
  GET DIAGNOSTICS n = ROW_COUNT;
  n_mv := n_mv + n;
  DELETE FROM "PiXL"."Match" m USING retention_match x WHERE m."MatchId" = x."MatchId";
  GET DIAGNOSTICS n_match = ROW_COUNT;

  -- The shared tables, once the visits are caught up: rows nothing refers to any more.
  IF n_visit < "BatchSize" THEN
    SELECT c."LastId" INTO cursor_id FROM "ETL"."RetentionCursor" c WHERE c."TableName" = 'Visitor' FOR UPDATE;
    SELECT count(*), max(x."VisitorId") INTO scanned, last_id
    FROM (SELECT vr."VisitorId" FROM "PiXL"."Visitor" vr WHERE vr."VisitorId" > coalesce(cursor_id, 0)
      ORDER BY vr."VisitorId" LIMIT "BatchSize") x;
    WITH gone AS (
      SELECT vr."VisitorId" FROM "PiXL"."Visitor" vr
      WHERE vr."VisitorId" > coalesce(cursor_id, 0) AND vr."VisitorId" <= last_id
        AND NOT EXISTS (SELECT 1 FROM "PiXL"."Match" m WHERE m."IndividualKey" = vr."IndividualKey")
    ), links AS (
      -- Runs whether or not the outer statement reads it (PostgreSQL executes every data-modifying CTE).
      DELETE FROM "PiXL"."VisitorDevice" vd USING gone g WHERE vd."VisitorId" = g."VisitorId" RETURNING 1
    )
    DELETE FROM "PiXL"."Visitor" vr USING gone g WHERE vr."VisitorId" = g."VisitorId";
    GET DIAGNOSTICS n_visitor = ROW_COUNT;
    UPDATE "ETL"."RetentionCursor" SET "LastId" = CASE WHEN scanned < "BatchSize" THEN 0 ELSE last_id END,
      "LastRunAt" = now_utc WHERE "TableName" = 'Visitor';
    done_visitor := CASE WHEN scanned < "BatchSize" THEN 1 ELSE 0 END;

    SELECT c."LastId" INTO cursor_id FROM "ETL"."RetentionCursor" c WHERE c."TableName" = 'Device' FOR UPDATE;
    SELECT count(*), max(x."DeviceId") INTO scanned, last_id
    FROM (SELECT d."DeviceId" FROM "PiXL"."Device" d WHERE d."DeviceId" > coalesce(cursor_id, 0)
      ORDER BY d."DeviceId" LIMIT "BatchSize") x;
    DELETE FROM "PiXL"."Device" d
    WHERE d."DeviceId" > coalesce(cursor_id, 0) AND d."DeviceId" <= last_id
      AND NOT EXISTS (SELECT 1 FROM "PiXL"."Visit" v WHERE v."DeviceId" = d."DeviceId")
      AND NOT EXISTS (SELECT 1 FROM "PiXL"."VisitorDevice" vd WHERE vd."DeviceId" = d."DeviceId");
    GET DIAGNOSTICS n_device = ROW_COUNT;
    UPDATE "ETL"."RetentionCursor" SET "LastId" = CASE WHEN scanned < "BatchSize" THEN 0 ELSE last_id END,
      "LastRunAt" = now_utc WHERE "TableName" = 'Device';
    done_device := CASE WHEN scanned < "BatchSize" THEN 1 ELSE 0 END;

    SELECT c."LastId" INTO cursor_id FROM "ETL"."RetentionCursor" c WHERE c."TableName" = 'IP' FOR UPDATE;
    SELECT count(*), max(x."IpId") INTO scanned, last_id
    FROM (SELECT i."IpId" FROM "PiXL"."IP" i WHERE i."IpId" > coalesce(cursor_id, 0)
      ORDER BY i."IpId" LIMIT "BatchSize") x;
    DELETE FROM "PiXL"."IP" i
    WHERE i."IpId" > coalesce(cursor_id, 0) AND i."IpId" <= last_id
      AND NOT EXISTS (SELECT 1 FROM "PiXL"."Visit" v WHERE v."IpId" = i."IpId");
    GET DIAGNOSTICS n_ip = ROW_COUNT;
    UPDATE "ETL"."RetentionCursor" SET "LastId" = CASE WHEN scanned < "BatchSize" THEN 0 ELSE last_id END,
      "LastRunAt" = now_utc WHERE "TableName" = 'IP';
    done_ip := CASE WHEN scanned < "BatchSize" THEN 1 ELSE 0 END;
  END IF;

  RETURN QUERY SELECT n_visit, n_test, n_parsed, n_recent, n_mv, n_match, n_visitor, n_device, n_ip,
    done_visitor, done_device, done_ip, 0;
END
$fn$;

-- Hits of an erased person that landed after the erasure (they were in the queue, or the person came back):
-- among the visits with AfterSeq < Visit.MatchSeq <= UpToSeq, those whose email hashes to, or whose `hid`
-- is, a hash in PiXL.ErasureSuppression (for their company or '*') are erased with their raw, parsed and
-- recent-hit rows, and with the device and address when nothing else refers to them. Counted on the
-- suppression row. ETL.usp_ParseNewHits calls this on the visits it has just written, before it commits, and
-- ETL.usp_MatchVisits on its batch before matching: no later step sees such a visit. Returns the number of
-- visits erased. Mirrors the T-SQL file.
CREATE OR REPLACE FUNCTION "ETL"."usp_EraseSuppressed"("AfterSeq" bigint, "UpToSeq" bigint)
RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  n integer;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "PiXL"."ErasureSuppression") THEN
    RETURN 0;
  END IF;
  IF to_regclass('pg_temp.suppressed_hit') IS NULL THEN
    CREATE TEMP TABLE suppressed_hit (
      "VisitID" bigint PRIMARY KEY, "DeviceId" bigint, "IpId" bigint, "EmailSha256" char(64), "Scope" varchar(64)
    ) ON COMMIT DELETE ROWS;
  END IF;
  DELETE FROM suppressed_hit;

  INSERT INTO suppressed_hit
  SELECT DISTINCT ON (k."VisitID") k."VisitID", k."DeviceId", k."IpId", s."EmailSha256", s."CompanyID"
  FROM (
    SELECT v."VisitID", v."CompanyID", v."DeviceId", v."IpId", v."EmailSha256" AS email_hash, v."MatchHid" AS hid
    FROM "PiXL"."Visit" v
    WHERE v."MatchSeq" > "AfterSeq" AND v."MatchSeq" <= "UpToSeq"
  ) k
  JOIN "PiXL"."ErasureSuppression" s
    ON s."EmailSha256" IN (k.email_hash, k.hid) AND s."CompanyID" IN (k."CompanyID", '*')
  ORDER BY k."VisitID", s."CompanyID";
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n = 0 THEN
    RETURN 0;
  END IF;
  ANALYZE suppressed_hit;

  DELETE FROM "PiXL"."MatchVisit" mv USING suppressed_hit x WHERE mv."VisitID" = x."VisitID";
  DELETE FROM "ETL"."RecentHit" r USING suppressed_hit x WHERE r."SourceId" = x."VisitID";
  DELETE FROM "ETL"."SignalHit" r USING suppressed_hit x WHERE r."SourceId" = x."VisitID";
  DELETE FROM "PiXL"."Parsed" p USING suppressed_hit x WHERE p."SourceId" = x."VisitID";
  DELETE FROM "PiXL"."Visit" v USING suppressed_hit x WHERE v."VisitID" = x."VisitID";
  DELETE FROM "PiXL"."Test" t USING suppressed_hit x WHERE t."Id" = x."VisitID";
  DELETE FROM "PiXL"."Device" d
  WHERE d."DeviceId" IN (SELECT x."DeviceId" FROM suppressed_hit x)
    AND NOT EXISTS (SELECT 1 FROM "PiXL"."Visit" v WHERE v."DeviceId" = d."DeviceId")
    AND NOT EXISTS (SELECT 1 FROM "PiXL"."VisitorDevice" vd WHERE vd."DeviceId" = d."DeviceId");
  DELETE FROM "PiXL"."IP" i
  WHERE i."IpId" IN (SELECT x."IpId" FROM suppressed_hit x)
    AND NOT EXISTS (SELECT 1 FROM "PiXL"."Visit" v WHERE v."IpId" = i."IpId");

  UPDATE "PiXL"."ErasureSuppression" s
  SET "LateHitsErased" = s."LateHitsErased" + c.n, "LastErasedAt" = now() AT TIME ZONE 'UTC'
  FROM (SELECT x."EmailSha256", x."Scope", count(*) AS n FROM suppressed_hit x GROUP BY x."EmailSha256", x."Scope") c
  WHERE s."EmailSha256" = c."EmailSha256" AND s."CompanyID" = c."Scope";
  RETURN n;
END
$fn$;

-- ETL.usp_MatchVisits as in 0031, plus: a visit whose parsed hit is flagged IsLikelyBot (0040), or whose address
-- PiXL.IP now says is in a datacenter (the classify step runs between parse and match, so the first hit of a
-- new address is caught too), is not matched when its pixel's PiXL.Config.ExcludeBots is on. It still counts
-- as processed: the watermark passes it, and a later change of ExcludeBots does not revisit it. Nothing is deleted: the visit and its Parsed row stay.
-- Privacy (0070, docs/PRIVACY.md): a visit whose hit opted out (PrivacyOptOut) is never a candidate, and the
-- visits of erased people are erased by ETL.usp_EraseSuppressed before the batch is matched.

-- Matches the next batch of visits (in MatchSeq order after the watermark) in one transaction.
-- Candidates: the pixel's Config.MatchEmail is on (no Config row = on), the visit is not a likely bot while the
-- pixel's Config.ExcludeBots is on, and the visit has a plausible email
-- (normalised, LIKE '%_@_%.__%', 6..254 characters: MatchType 'email') and/or a `hid` client param of 64 hex
-- digits, the SHA-256 of the normalised email (MatchType 'email_hash'). The newest AutoConsumer record of the
-- key (highest RecordID) gives IndividualKey and AddressKey. PiXL.Match is upserted per (CompanyID, PiXLID,
-- MatchType, MatchKey) with the reference's rules; a visit already linked to its match is skipped, so
-- re-processing changes nothing. Before the batch, when AutoConsumer's highest RecordID has grown, unresolved
-- matches are looked up again (LateMatched). A second caller while one runs returns at once with zeros.
CREATE OR REPLACE FUNCTION "ETL"."usp_MatchVisits"("BatchSize" integer DEFAULT 1000)
RETURNS TABLE (
  "RowsProcessed" integer, "RowsMatched" integer, "FromId" bigint, "ToId" bigint, "LateMatched" integer
)
LANGUAGE plpgsql AS $fn$
DECLARE
  last_seq bigint;
  last_consumer bigint;
  consumer_max bigint;
  now_utc timestamp(3) := now() AT TIME ZONE 'UTC';
  v_rows integer := 0;
  v_matched integer := 0;
  v_late integer := 0;
  v_from bigint;
  v_to bigint;
  v_to_seq bigint;
  upper_seq bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('ETL.usp_MatchVisits')) THEN
    RETURN QUERY SELECT 0, 0, NULL::bigint, NULL::bigint, 0;
    RETURN;
  END IF;
  SELECT w."LastMatchSeq", w."ConsumerRecordId" INTO last_seq, last_consumer
  FROM "ETL"."MatchWatermark" w WHERE w."ProcessName" = 'MatchVisits' FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO "ETL"."MatchWatermark" ("ProcessName") VALUES ('MatchVisits');
    last_seq := 0;
    last_consumer := 0;
  END IF;

  -- Work tables of this session, emptied at every commit; created on the first call (checked first, so later
  -- calls do not raise "already exists" notices).
  IF to_regclass('pg_temp.match_candidate') IS NULL THEN
    CREATE TEMP TABLE match_late ("MatchId" bigint, "IndividualKey" varchar(35)) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE match_key (
      "MatchId" bigint, "CompanyID" varchar(64), "PiXLID" varchar(64), "MatchType" varchar(10),
      "MatchKey" varchar(200), "IndividualKey" varchar(35)
    ) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE match_seen (
      "IndividualKey" varchar(35), "DeviceId" bigint, "ReceivedAt" timestamp(3)
    ) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE match_candidate (
      "VisitID" bigint, "CompanyID" varchar(64), "PiXLID" varchar(64), "MatchType" varchar(10),
      "MatchKey" varchar(200), "DeviceId" bigint, "IpId" bigint, "ReceivedAt" timestamp(3),
      "IndividualKey" varchar(35), "AddressKey" varchar(35), "MatchId" bigint
    ) ON COMMIT DELETE ROWS;
  END IF;
  -- Emptied here too in case a caller runs this twice in one transaction.
  DELETE FROM match_late;
  DELETE FROM match_key;
  DELETE FROM match_candidate;
  DELETE FROM match_seen;

  -- 1. The consumer file grew: look unresolved matches up again, in the new records only. A join, not a
  -- probe per unresolved match: a few new records are read by RecordID and looked up in IX_Match_Pending,
  -- a big load is hash-joined, and the cost follows whichever side is smaller. The newest new record of a
  -- key is the newest of all (the older ones did not match before).
  SELECT max(s."RecordID") INTO consumer_max FROM "PiXL"."AutoConsumerSource" s;
  consumer_max := coalesce(consumer_max, 0);
  IF consumer_max > last_consumer THEN
    WITH found AS (
      SELECT DISTINCT ON (m."MatchId") m."MatchId", s."IndividualKey", s."AddressKey"
      FROM "PiXL"."Match" m
      JOIN "PiXL"."AutoConsumerSource" s ON s."EMailNorm" = m."MatchKey" AND s."RecordID" > last_consumer
      WHERE m."IndividualKey" IS NULL AND m."MatchType" = 'email'
      ORDER BY m."MatchId", s."RecordID" DESC
    ), found_hash AS (
      SELECT DISTINCT ON (m."MatchId") m."MatchId", s."IndividualKey", s."AddressKey"
      FROM "PiXL"."Match" m
      JOIN "PiXL"."AutoConsumerSource" s ON s."EMailSha256" = m."MatchKey" AND s."RecordID" > last_consumer
      WHERE m."IndividualKey" IS NULL AND m."MatchType" = 'email_hash'
      ORDER BY m."MatchId", s."RecordID" DESC
    ), resolved AS (
      UPDATE "PiXL"."Match" m
      SET "IndividualKey" = f."IndividualKey", "AddressKey" = coalesce(m."AddressKey", f."AddressKey"),
        "MatchedAt" = coalesce(m."MatchedAt", now_utc)
      FROM (SELECT * FROM found UNION ALL SELECT * FROM found_hash) f
      WHERE m."MatchId" = f."MatchId" AND f."IndividualKey" IS NOT NULL
      RETURNING m."MatchId", m."IndividualKey"
    )
    INSERT INTO match_late SELECT r."MatchId", r."IndividualKey" FROM resolved r;
    GET DIAGNOSTICS v_late = ROW_COUNT;
  END IF;

  -- 2. The batch is the next BatchSize visits. Those of erased people are erased, not matched
  -- (docs/PRIVACY.md); the watermark still passes them.
  SELECT max(x."MatchSeq") INTO upper_seq
  FROM (SELECT v."MatchSeq" FROM "PiXL"."Visit" v WHERE v."MatchSeq" > last_seq ORDER BY v."MatchSeq" LIMIT "BatchSize") x;
  IF upper_seq IS NOT NULL THEN
    PERFORM "ETL"."usp_EraseSuppressed"(last_seq, upper_seq);
  END IF;

  -- 3. The batch and its candidates. A visit whose hit opted out (PrivacyOptOut) is never a candidate.
  WITH batch AS MATERIALIZED (
    SELECT v."MatchSeq", v."VisitID", v."CompanyID", v."PiXLID", v."DeviceId", v."IpId", v."ReceivedAt",
      v."MatchEmail", v."ClientParamsJson", v."PrivacyOptOut"
    FROM "PiXL"."Visit" v
    WHERE v."MatchSeq" > last_seq AND v."MatchSeq" <= upper_seq
    ORDER BY v."MatchSeq"
  ), stats AS (
    SELECT count(*)::integer AS n, min(b."VisitID") AS lo, max(b."VisitID") AS hi, max(b."MatchSeq") AS seq FROM batch b
  ), keyed AS (
    SELECT b.*, "PiXL"."NormaliseEmail"(b."MatchEmail") AS email,
      lower(btrim(b."ClientParamsJson" ->> 'hid', E' \t\r\n')) AS hid
    FROM batch b
    LEFT JOIN "PiXL"."Config" cfg ON cfg."CompanyID" = b."CompanyID" AND cfg."PiXLID" = b."PiXLID"
    LEFT JOIN "PiXL"."Parsed" p ON cfg."ExcludeBots" AND p."SourceId" = b."VisitID"
    LEFT JOIN "PiXL"."IP" ipr ON cfg."ExcludeBots" AND ipr."IpId" = b."IpId"
    WHERE coalesce(cfg."MatchEmail", true) AND NOT coalesce(b."PrivacyOptOut", false)
      AND NOT (coalesce(cfg."ExcludeBots", false)
        AND (coalesce(p."IsLikelyBot", false) OR coalesce(ipr."IsDatacenter", false)))
  ), ins AS (
    INSERT INTO match_candidate ("VisitID", "CompanyID", "PiXLID", "MatchType", "MatchKey", "DeviceId", "IpId", "ReceivedAt")
    SELECT k."VisitID", k."CompanyID", k."PiXLID", 'email', k.email, k."DeviceId", k."IpId", k."ReceivedAt"
    FROM keyed k
    WHERE k.email LIKE '%_@_%.__%' AND length(k.email) BETWEEN 6 AND 200
    UNION ALL
    SELECT k."VisitID", k."CompanyID", k."PiXLID", 'email_hash', k.hid, k."DeviceId", k."IpId", k."ReceivedAt"
    FROM keyed k
    WHERE k.hid ~ '^[0-9a-f]{64}$'
  )
  SELECT s.n, s.lo, s.hi, s.seq INTO v_rows, v_from, v_to, v_to_seq FROM stats s;

  -- Visits already linked to their match were counted by an earlier run (the VisitID range keeps this a
  -- range read of MatchVisit's key whatever the statistics say).
  DELETE FROM match_candidate c
  USING "PiXL"."MatchVisit" mv
  WHERE mv."VisitID" BETWEEN v_from AND v_to
    AND mv."VisitID" = c."VisitID" AND mv."MatchType" = c."MatchType";

  -- 4. Newest consumer record per key: one index seek each.
  WITH keys AS (SELECT DISTINCT c."MatchType", c."MatchKey" FROM match_candidate c),
  found AS (
    SELECT k."MatchType", k."MatchKey", r."IndividualKey", r."AddressKey"
    FROM keys k
    CROSS JOIN LATERAL (
      SELECT s."IndividualKey", s."AddressKey" FROM "PiXL"."AutoConsumerSource" s
      WHERE s."EMailNorm" = k."MatchKey" ORDER BY s."RecordID" DESC LIMIT 1
    ) r
    WHERE k."MatchType" = 'email'
    UNION ALL
    SELECT k."MatchType", k."MatchKey", r."IndividualKey", r."AddressKey"
    FROM keys k
    CROSS JOIN LATERAL (
      SELECT s."IndividualKey", s."AddressKey" FROM "PiXL"."AutoConsumerSource" s
      WHERE s."EMailSha256" = k."MatchKey" ORDER BY s."RecordID" DESC LIMIT 1
    ) r
    WHERE k."MatchType" = 'email_hash'
  )
  UPDATE match_candidate c SET "IndividualKey" = f."IndividualKey", "AddressKey" = f."AddressKey"
  FROM found f WHERE f."MatchType" = c."MatchType" AND f."MatchKey" = c."MatchKey";

  -- 5. Upsert PiXL.Match per pixel and key: counts, latest visit, keys only where still empty.
  WITH upserted AS (
  INSERT INTO "PiXL"."Match" AS m (
    "CompanyID", "PiXLID", "MatchType", "MatchKey", "IndividualKey", "AddressKey", "DeviceId", "IpId",
    "FirstVisitID", "LatestVisitID", "FirstSeen", "LastSeen", "HitCount", "MatchedAt"
  )
  SELECT a."CompanyID", a."PiXLID", a."MatchType", a."MatchKey", a."IndividualKey", a."AddressKey",
    a."DeviceId", a."IpId", a."FirstVisitID", a."LatestVisitID", a."FirstSeen", a."LastSeen", a."Hits",
    CASE WHEN a."IndividualKey" IS NOT NULL THEN now_utc END
  FROM (
    SELECT c."CompanyID", c."PiXLID", c."MatchType", c."MatchKey",
      max(c."IndividualKey") AS "IndividualKey", max(c."AddressKey") AS "AddressKey",
      (array_agg(c."DeviceId" ORDER BY c."ReceivedAt" DESC, c."VisitID" DESC))[1] AS "DeviceId",
      (array_agg(c."IpId" ORDER BY c."ReceivedAt" DESC, c."VisitID" DESC))[1] AS "IpId",
      (array_agg(c."VisitID" ORDER BY c."ReceivedAt", c."VisitID"))[1] AS "FirstVisitID",
      (array_agg(c."VisitID" ORDER BY c."ReceivedAt" DESC, c."VisitID" DESC))[1] AS "LatestVisitID",
      min(c."ReceivedAt") AS "FirstSeen", max(c."ReceivedAt") AS "LastSeen", count(*)::integer AS "Hits"
    FROM match_candidate c
    GROUP BY c."CompanyID", c."PiXLID", c."MatchType", c."MatchKey"
  ) a
  ON CONFLICT ("CompanyID", "PiXLID", "MatchType", "MatchKey") DO UPDATE SET
    "HitCount" = m."HitCount" + excluded."HitCount",
    "LatestVisitID" = CASE WHEN m."LastSeen" IS NULL OR excluded."LastSeen" >= m."LastSeen"
      THEN excluded."LatestVisitID" ELSE m."LatestVisitID" END,
    "DeviceId" = CASE WHEN m."LastSeen" IS NULL OR excluded."LastSeen" >= m."LastSeen"
      THEN excluded."DeviceId" ELSE m."DeviceId" END,
    "IpId" = CASE WHEN m."LastSeen" IS NULL OR excluded."LastSeen" >= m."LastSeen"
      THEN excluded."IpId" ELSE m."IpId" END,
    "FirstVisitID" = coalesce(m."FirstVisitID", excluded."FirstVisitID"),
    "FirstSeen" = LEAST(m."FirstSeen", excluded."FirstSeen"),
    "LastSeen" = GREATEST(m."LastSeen", excluded."LastSeen"),
    "IndividualKey" = coalesce(m."IndividualKey", excluded."IndividualKey"),
    "AddressKey" = coalesce(m."AddressKey", excluded."AddressKey"),
    "MatchedAt" = coalesce(m."MatchedAt", CASE WHEN excluded."IndividualKey" IS NOT NULL THEN now_utc END)
  RETURNING m."MatchId", m."CompanyID", m."PiXLID", m."MatchType", m."MatchKey", m."IndividualKey"
  )
  INSERT INTO match_key SELECT * FROM upserted;

  -- 6. Link each candidate visit to its match.
  UPDATE match_candidate c SET "MatchId" = k."MatchId"
  FROM match_key k
  WHERE k."CompanyID" = c."CompanyID" AND k."PiXLID" = c."PiXLID" AND k."MatchType" = c."MatchType"
    AND k."MatchKey" = c."MatchKey";
  INSERT INTO "PiXL"."MatchVisit" ("VisitID", "MatchType", "MatchId")
  SELECT c."VisitID", c."MatchType", c."MatchId" FROM match_candidate c;

  SELECT count(DISTINCT c."VisitID")::integer INTO v_matched
  FROM match_candidate c JOIN match_key k ON k."MatchId" = c."MatchId"
  WHERE k."IndividualKey" IS NOT NULL;

  -- 7. Visitors: the people of the visits linked now and of the matches resolved late, and their devices.
  INSERT INTO match_seen
  SELECT k."IndividualKey", c."DeviceId", c."ReceivedAt"
  FROM match_candidate c JOIN match_key k ON k."MatchId" = c."MatchId"
  WHERE k."IndividualKey" IS NOT NULL
  UNION ALL
  SELECT l."IndividualKey", v."DeviceId", v."ReceivedAt"
  FROM match_late l
  JOIN "PiXL"."MatchVisit" mv ON mv."MatchId" = l."MatchId"
  JOIN "PiXL"."Visit" v ON v."VisitID" = mv."VisitID";

  INSERT INTO "PiXL"."Visitor" AS vr ("IndividualKey", "FirstSeen", "LastSeen")
  SELECT s."IndividualKey", min(s."ReceivedAt"), max(s."ReceivedAt") FROM match_seen s GROUP BY s."IndividualKey"
  ON CONFLICT ("IndividualKey") DO UPDATE SET
    "FirstSeen" = LEAST(vr."FirstSeen", excluded."FirstSeen"), "LastSeen" = GREATEST(vr."LastSeen", excluded."LastSeen");

  INSERT INTO "PiXL"."VisitorDevice" AS vd ("VisitorId", "DeviceId", "FirstSeen", "LastSeen")
  SELECT vr."VisitorId", s."DeviceId", min(s."ReceivedAt"), max(s."ReceivedAt")
  FROM match_seen s JOIN "PiXL"."Visitor" vr ON vr."IndividualKey" = s."IndividualKey"
  WHERE s."DeviceId" IS NOT NULL
  GROUP BY vr."VisitorId", s."DeviceId"
  ON CONFLICT ("VisitorId", "DeviceId") DO UPDATE SET
    "FirstSeen" = LEAST(vd."FirstSeen", excluded."FirstSeen"), "LastSeen" = GREATEST(vd."LastSeen", excluded."LastSeen");

  -- 8. Watermark.
  UPDATE "ETL"."MatchWatermark" w SET
    "LastMatchSeq" = coalesce(upper_seq, v_to_seq, last_seq),
    "LastProcessedId" = GREATEST(w."LastProcessedId", coalesce(v_to, 0)),
    "ConsumerRecordId" = GREATEST(consumer_max, last_consumer),
    "LastRunAt" = now_utc,
    "RowsProcessed" = w."RowsProcessed" + v_rows,
    "RowsMatched" = w."RowsMatched" + v_matched,
    "RowsLateMatched" = w."RowsLateMatched" + v_late
  WHERE w."ProcessName" = 'MatchVisits';

  RETURN QUERY SELECT v_rows, v_matched, v_from, v_to, v_late;
END
$fn$;

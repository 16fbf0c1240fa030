-- Erases one person (docs/PRIVACY.md "Erasure"): every raw hit whose `_cp_email` normalises to the address or
-- hashes to EraseSha256, or whose `_cp_hid` is EraseSha256; the Parsed, Visit, ETL.RecentHit and MatchVisit rows
-- of those hits; the Match rows keyed on the address or hash; the Visitor of the people those matches resolved
-- to (with its VisitorDevice rows) when no other match still names them; and the devices and addresses these
-- rows referred to that nothing else refers to. EraseCompanyID limits all of it to one company (NULL: every
-- company). IncludeConsumerFile also deletes the person's records from the consumer file. Then it records the
-- request (hash, scope, time, counts; never the address) and adds the hash to PiXL.ErasureSuppression, so hits
-- still on their way are erased when the ETL reaches them (ETL.usp_EraseSuppressed). One transaction, after the
-- parse and match locks: neither can write this person's rows again while it runs. Mirrors the T-SQL file.
CREATE OR REPLACE FUNCTION "PiXL"."usp_ErasePerson"(
  "EraseSha256" text, "EraseEmail" text DEFAULT NULL, "EraseCompanyID" text DEFAULT NULL,
  "IncludeConsumerFile" boolean DEFAULT false, "ScanAllRaw" boolean DEFAULT false
)
RETURNS TABLE (
  "ErasureId" bigint, "TestRows" integer, "ParsedRows" integer, "VisitRows" integer, "RecentHitRows" integer,
  "MatchVisitRows" integer, "MatchRows" integer, "VisitorDeviceRows" integer, "VisitorRows" integer,
  "DeviceRows" integer, "IPRows" integer, "AutoConsumerRows" integer
)
LANGUAGE plpgsql AS $fn$
DECLARE
  h text := lower("EraseSha256");
  e text := "PiXL"."NormaliseEmail"("EraseEmail");
  co text := "EraseCompanyID";
  n_test integer := 0; n_parsed integer := 0; n_visit integer := 0; n_recent integer := 0; n_mv integer := 0;
  n_match integer := 0; n_vd integer := 0; n_visitor integer := 0; n_device integer := 0; n_ip integer := 0;
  n_consumer integer := 0;
  v_id bigint;
BEGIN
  IF h IS NULL OR h !~ '^[0-9a-f]{64}$' THEN
    RAISE EXCEPTION 'EraseSha256 must be 64 hex digits';
  END IF;
  IF e IS NOT NULL AND "PiXL"."EmailSha256"(e) <> h THEN
    RAISE EXCEPTION 'EraseSha256 is not the SHA-256 of the normalised EraseEmail';
  END IF;
  -- Waits for a running parse or match batch to end, and keeps the next ones out until this commits.
  PERFORM pg_advisory_xact_lock(hashtext('ETL.usp_ParseNewHits'));
  PERFORM pg_advisory_xact_lock(hashtext('ETL.usp_MatchVisits'));

  IF to_regclass('pg_temp.erase_hit') IS NULL THEN
    CREATE TEMP TABLE erase_hit ("Id" bigint PRIMARY KEY) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE erase_match ("MatchId" bigint PRIMARY KEY, "IndividualKey" varchar(35)) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE erase_ref ("DeviceId" bigint, "IpId" bigint) ON COMMIT DELETE ROWS;
  END IF;
  DELETE FROM erase_hit;
  DELETE FROM erase_match;
  DELETE FROM erase_ref;

  INSERT INTO erase_match
  SELECT m."MatchId", m."IndividualKey" FROM "PiXL"."Match" m
  WHERE m."MatchKey" IN (h, e) AND m."MatchType" IN ('email', 'email_hash') AND (co IS NULL OR m."CompanyID" = co);

  -- The person's hits: parsed ones through the visits' indexed email and hashes, the visits their matches
  -- counted, and raw rows not parsed yet (after the parse watermark, which holds still under the parse lock)
  -- carrying the address or hash. ScanAllRaw reads every raw row instead: it also finds a hit whose visit was
  -- opted out by settings changed after the writer kept its params (docs/PRIVACY.md), at the cost of a scan.
  INSERT INTO erase_hit
  SELECT v."VisitID" FROM "PiXL"."Visit" v
  WHERE (v."MatchEmail" = e OR v."EmailSha256" = h OR v."MatchHid" = h) AND (co IS NULL OR v."CompanyID" = co)
  UNION
  SELECT mv."VisitID" FROM erase_match em JOIN "PiXL"."MatchVisit" mv ON mv."MatchId" = em."MatchId";
  -- Two statements rather than one with an OR, so the watermark's range stays an index range in a cached plan.
  IF "ScanAllRaw" THEN
    INSERT INTO erase_hit
    SELECT t."Id" FROM "PiXL"."Test" t
    -- The writer's ClientParamsJson; NULL on rows landed before it, whose client params are in ParamsJson.
    CROSS JOIN LATERAL (SELECT
      CASE WHEN t."ClientParamsJson" IS NULL THEN t."ParamsJson" ->> '_cp_hid' ELSE t."ClientParamsJson" ->> 'hid' END AS hid,
      CASE WHEN t."ClientParamsJson" IS NULL THEN t."ParamsJson" ->> '_cp_email' ELSE t."ClientParamsJson" ->> 'email' END
        AS email) cp
    WHERE (co IS NULL OR t."CompanyID" = co)
      AND (lower(btrim(cp.hid, E' \t\r\n')) = h
        OR CASE WHEN e IS NOT NULL THEN "PiXL"."NormaliseEmail"(cp.email) = e
          ELSE "PiXL"."EmailSha256"(cp.email) = h END)
    ON CONFLICT ("Id") DO NOTHING;
  ELSE
    INSERT INTO erase_hit
    SELECT t."Id" FROM "PiXL"."Test" t
    -- The writer's ClientParamsJson; NULL on rows landed before it, whose client params are in ParamsJson.
    CROSS JOIN LATERAL (SELECT
      CASE WHEN t."ClientParamsJson" IS NULL THEN t."ParamsJson" ->> '_cp_hid' ELSE t."ClientParamsJson" ->> 'hid' END AS hid,
      CASE WHEN t."ClientParamsJson" IS NULL THEN t."ParamsJson" ->> '_cp_email' ELSE t."ClientParamsJson" ->> 'email' END
        AS email) cp
    WHERE (t."TxId", t."Id") > (
        SELECT w."LastVersion", w."LastVersionId" FROM "ETL"."Watermark" w WHERE w."ProcessName" = 'ParseNewHits')
      AND (co IS NULL OR t."CompanyID" = co)
      AND (lower(btrim(cp.hid, E' \t\r\n')) = h
        OR CASE WHEN e IS NOT NULL THEN "PiXL"."NormaliseEmail"(cp.email) = e
          ELSE "PiXL"."EmailSha256"(cp.email) = h END)
    ON CONFLICT ("Id") DO NOTHING;
  END IF;

  -- The matches those visits were counted in are the person's too (keyed on the address when only the hash was
  -- given).
  INSERT INTO erase_match
  SELECT DISTINCT m."MatchId", m."IndividualKey"
  FROM erase_hit x JOIN "PiXL"."MatchVisit" mv ON mv."VisitID" = x."Id" JOIN "PiXL"."Match" m ON m."MatchId" = mv."MatchId"
  WHERE m."MatchType" IN ('email', 'email_hash')
  ON CONFLICT ("MatchId") DO NOTHING;
  -- Temporary tables have no statistics: without them the deletes below may hash-join whole tables.
  ANALYZE erase_hit;
  ANALYZE erase_match;
  INSERT INTO erase_ref
  SELECT v."DeviceId", v."IpId" FROM "PiXL"."Visit" v JOIN erase_hit x ON x."Id" = v."VisitID"
  UNION ALL
  SELECT m."DeviceId", m."IpId" FROM "PiXL"."Match" m JOIN erase_match em ON em."MatchId" = m."MatchId";

  DELETE FROM "PiXL"."MatchVisit" mv USING erase_hit x WHERE mv."VisitID" = x."Id";
  GET DIAGNOSTICS n_mv = ROW_COUNT;
  DELETE FROM "PiXL"."MatchVisit" mv USING erase_match em WHERE mv."MatchId" = em."MatchId";
  GET DIAGNOSTICS v_id = ROW_COUNT;
  n_mv := n_mv + v_id;
  DELETE FROM "PiXL"."Match" m USING erase_match em WHERE m."MatchId" = em."MatchId";
  GET DIAGNOSTICS n_match = ROW_COUNT;

  -- The people these matches resolved to, once no match (of another company, say) names them any more.
  INSERT INTO erase_ref
  SELECT vd."DeviceId", NULL FROM "PiXL"."VisitorDevice" vd JOIN "PiXL"."Visitor" vr ON vr."VisitorId" = vd."VisitorId"
  WHERE vr."IndividualKey" IN (SELECT em."IndividualKey" FROM erase_match em);
  WITH gone AS (
    SELECT vr."VisitorId" FROM "PiXL"."Visitor" vr
    WHERE vr."IndividualKey" IN (SELECT em."IndividualKey" FROM erase_match em)
      AND NOT EXISTS (SELECT 1 FROM "PiXL"."Match" m WHERE m."IndividualKey" = vr."IndividualKey")
  ), vd AS (
    DELETE FROM "PiXL"."VisitorDevice" d USING gone g WHERE d."VisitorId" = g."VisitorId" RETURNING 1
  )
  SELECT count(*) INTO n_vd FROM vd;
  DELETE FROM "PiXL"."Visitor" vr
  WHERE vr."IndividualKey" IN (SELECT em."IndividualKey" FROM erase_match em)
    AND NOT EXISTS (SELECT 1 FROM "PiXL"."Match" m WHERE m."IndividualKey" = vr."IndividualKey");
  GET DIAGNOSTICS n_visitor = ROW_COUNT;

  -- The signals' look-back (ETL.SignalHit since 0053, ETL.RecentHit before), counted together.
  DELETE FROM "ETL"."RecentHit" r USING erase_hit x WHERE r."SourceId" = x."Id";
  GET DIAGNOSTICS n_recent = ROW_COUNT;
  DELETE FROM "ETL"."SignalHit" r USING erase_hit x WHERE r."SourceId" = x."Id";
  GET DIAGNOSTICS v_id = ROW_COUNT;
  n_recent := n_recent + v_id;
  DELETE FROM "PiXL"."Parsed" p USING erase_hit x WHERE p."SourceId" = x."Id";
  GET DIAGNOSTICS n_parsed = ROW_COUNT;
  DELETE FROM "PiXL"."Visit" v USING erase_hit x WHERE v."VisitID" = x."Id";
  GET DIAGNOSTICS n_visit = ROW_COUNT;
  DELETE FROM "PiXL"."Test" t USING erase_hit x WHERE t."Id" = x."Id";
  GET DIAGNOSTICS n_test = ROW_COUNT;

  -- Devices and addresses nothing refers to any more (visits and visitor links; a match's device or address is
  -- that of one of its visits).
  DELETE FROM "PiXL"."Device" d
  WHERE d."DeviceId" IN (SELECT r."DeviceId" FROM erase_ref r)
    AND NOT EXISTS (SELECT 1 FROM "PiXL"."Visit" v WHERE v."DeviceId" = d."DeviceId")
    AND NOT EXISTS (SELECT 1 FROM "PiXL"."VisitorDevice" vd WHERE vd."DeviceId" = d."DeviceId");
  GET DIAGNOSTICS n_device = ROW_COUNT;
  DELETE FROM "PiXL"."IP" i
  WHERE i."IpId" IN (SELECT r."IpId" FROM erase_ref r)
    AND NOT EXISTS (SELECT 1 FROM "PiXL"."Visit" v WHERE v."IpId" = i."IpId");
  GET DIAGNOSTICS n_ip = ROW_COUNT;

  IF "IncludeConsumerFile" THEN
    DELETE FROM "PiXL"."AutoConsumerSource" s WHERE s."EMailSha256" = h;
    GET DIAGNOSTICS n_consumer = ROW_COUNT;
  END IF;

  INSERT INTO "PiXL"."ErasureRequest" ("EmailSha256", "CompanyID", "Removed")
  VALUES (h, co, jsonb_build_object(
    'Test', n_test, 'Parsed', n_parsed, 'Visit', n_visit, 'RecentHit', n_recent, 'MatchVisit', n_mv,
    'Match', n_match, 'VisitorDevice', n_vd, 'Visitor', n_visitor, 'Device', n_device, 'IP', n_ip,
    'AutoConsumer', n_consumer))
  RETURNING "PiXL"."ErasureRequest"."ErasureId" INTO v_id;
  INSERT INTO "PiXL"."ErasureSuppression" AS s ("EmailSha256", "CompanyID", "ErasureId")
  VALUES (h, coalesce(co, '*'), v_id)
  ON CONFLICT ("EmailSha256", "CompanyID") DO UPDATE SET "ErasureId" = excluded."ErasureId";

  RETURN QUERY SELECT v_id, n_test, n_parsed, n_visit, n_recent, n_mv, n_match, n_vd, n_visitor, n_device, n_ip,
    n_consumer;
END
$fn$;

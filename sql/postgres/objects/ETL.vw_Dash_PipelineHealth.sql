-- One row describing the pipeline, read by GET /api/health (camelCase of these columns). Same columns in
-- sql/mssql/0004_pipeline_health.sql. ParseLag counts raw rows after the parse watermark (what is still to
-- parse, including rows whose older neighbours have not committed yet); MatchLag is the newest VisitID
-- minus the match watermark, as in the original.
CREATE OR REPLACE VIEW "ETL"."vw_Dash_PipelineHealth" AS
SELECT
  (SELECT count(*) FROM "PiXL"."Test") AS "TestRows",
  (SELECT count(*) FROM "PiXL"."Parsed") AS "ParsedRows",
  (SELECT count(*) FROM "PiXL"."Device") AS "DeviceRows",
  (SELECT count(*) FROM "PiXL"."IP") AS "IpRows",
  (SELECT count(*) FROM "PiXL"."Visit") AS "VisitRows",
  (SELECT count(*) FROM "PiXL"."Match") AS "MatchRows",
  (SELECT max("Id") FROM "PiXL"."Test") AS "MaxTestId",
  (SELECT max("SourceId") FROM "PiXL"."Parsed") AS "MaxParsedId",
  w."LastProcessedId" AS "ParseWatermark",
  w."RowsProcessed" AS "ParseRowsTotal",
  w."LastBatchRows" AS "ParseLastBatchRows",
  w."LastRunAt" AS "ParseLastRunAt",
  (SELECT count(*) FROM "PiXL"."Test" t WHERE (t."TxId", t."Id") > (w."LastVersion", w."LastVersionId")) AS "ParseLag",
  m."LastProcessedId" AS "MatchWatermark",
  m."RowsProcessed" AS "MatchRowsTotal",
  m."RowsMatched" AS "MatchRowsMatched",
  m."LastRunAt" AS "MatchLastRunAt",
  GREATEST(COALESCE((SELECT max("VisitID") FROM "PiXL"."Visit"), 0) - m."LastProcessedId", 0) AS "MatchLag",
  (SELECT count(*) FROM "PiXL"."Match" x WHERE x."IndividualKey" IS NOT NULL) AS "MatchesResolved",
  (SELECT count(*) FROM "PiXL"."Match" x WHERE x."IndividualKey" IS NULL) AS "MatchesPending",
  (SELECT count(*) FROM "PiXL"."Visit" v WHERE v."MatchEmail" IS NOT NULL) AS "VisitsWithEmail",
  (SELECT count(DISTINCT v."DeviceId") FROM "PiXL"."Visit" v) AS "UniqueDevicesInVisits",
  (SELECT count(DISTINCT v."IpId") FROM "PiXL"."Visit" v) AS "UniqueIpsInVisits",
  (SELECT max("ReceivedAt") FROM "PiXL"."Test") AS "LatestHitAt",
  (SELECT max("ParsedAt") FROM "PiXL"."Parsed") AS "LatestParsedAt",
  (SELECT max("MatchedAt") FROM "PiXL"."Match") AS "LatestMatchAt"
FROM "ETL"."Watermark" w
CROSS JOIN "ETL"."MatchWatermark" m
WHERE w."ProcessName" = 'ParseNewHits' AND m."ProcessName" = 'MatchVisits';

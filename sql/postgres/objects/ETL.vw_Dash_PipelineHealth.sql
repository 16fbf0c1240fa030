-- One row describing the pipeline, read by GET /api/health (camelCase of these columns), in a few
-- milliseconds whatever the table sizes: row counts from ETL.TableRows (exact while small, else the
-- planner's estimate), maxima and latest times by primary-key seeks, no scan and no COUNT DISTINCT. Same
-- columns in sql/mssql/objects/ETL.vw_Dash_PipelineHealth.sql.
-- ParseLag counts raw rows after the parse watermark (including rows whose older neighbours have not committed
-- yet) up to 10,000; beyond that it is the newest Id minus the watermark (lags that large are judged by
-- thresholds of 50,000 and up). MatchLag is the newest VisitID
-- minus the match watermark, as in the original. Dropped first: a view cannot lose columns in place.
DROP VIEW IF EXISTS "ETL"."vw_Dash_PipelineHealth";
CREATE VIEW "ETL"."vw_Dash_PipelineHealth" AS
WITH maxima AS (
  SELECT
    (SELECT max("Id") FROM "PiXL"."Test") AS max_test_id,
    (SELECT max("SourceId") FROM "PiXL"."Parsed") AS max_parsed_id,
    (SELECT max("VisitID") FROM "PiXL"."Visit") AS max_visit_id
)
SELECT
  "ETL"."TableRows"('"PiXL"."Test"') AS "TestRows",
  "ETL"."TableRows"('"PiXL"."Parsed"') AS "ParsedRows",
  "ETL"."TableRows"('"PiXL"."Device"') AS "DeviceRows",
  "ETL"."TableRows"('"PiXL"."IP"') AS "IpRows",
  "ETL"."TableRows"('"PiXL"."Visit"') AS "VisitRows",
  "ETL"."TableRows"('"PiXL"."Match"') AS "MatchRows",
  x.max_test_id AS "MaxTestId",
  x.max_parsed_id AS "MaxParsedId",
  w."LastProcessedId" AS "ParseWatermark",
  w."RowsProcessed" AS "ParseRowsTotal",
  w."LastBatchRows" AS "ParseLastBatchRows",
  w."LastRunAt" AS "ParseLastRunAt",
  CASE WHEN lag.n < 10000 THEN lag.n
    ELSE GREATEST(COALESCE(x.max_test_id, 0) - w."LastProcessedId", lag.n) END AS "ParseLag",
  m."LastProcessedId" AS "MatchWatermark",
  m."RowsProcessed" AS "MatchRowsTotal",
  m."RowsMatched" AS "MatchRowsMatched",
  m."LastRunAt" AS "MatchLastRunAt",
  GREATEST(COALESCE(x.max_visit_id, 0) - m."LastProcessedId", 0) AS "MatchLag",
  (SELECT t."ReceivedAt" FROM "PiXL"."Test" t WHERE t."Id" = x.max_test_id) AS "LatestHitAt",
  (SELECT p."ParsedAt" FROM "PiXL"."Parsed" p WHERE p."SourceId" = x.max_parsed_id) AS "LatestParsedAt"
FROM "ETL"."Watermark" w
CROSS JOIN "ETL"."MatchWatermark" m
CROSS JOIN maxima x
CROSS JOIN LATERAL (
  SELECT count(*) AS n FROM (
    SELECT 1 FROM "PiXL"."Test" t WHERE (t."TxId", t."Id") > (w."LastVersion", w."LastVersionId") LIMIT 10000
  ) ahead
) lag
WHERE w."ProcessName" = 'ParseNewHits' AND m."ProcessName" = 'MatchVisits';

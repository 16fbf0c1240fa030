-- One row describing the pipeline, read by GET /api/health (camelCase of these columns), in a few
-- milliseconds whatever the table sizes: row counts from sys.partitions (kept by the engine, no scan), maxima
-- and latest times by primary-key seeks, no COUNT DISTINCT. Same columns in
-- sql/postgres/objects/ETL.vw_Dash_PipelineHealth.sql.
-- ParseLag counts raw rows after the parse watermark (including rows whose older neighbours have not committed
-- yet) up to 10,000; beyond that it is the newest Id minus the watermark (lags that large are judged by
-- thresholds of 50,000 and up). MatchLag is the newest VisitID
-- minus the match watermark, as in the original.
CREATE OR ALTER VIEW ETL.vw_Dash_PipelineHealth AS
WITH maxima AS (
  SELECT
    (SELECT MAX(Id) FROM PiXL.Test) AS max_test_id,
    (SELECT MAX(SourceId) FROM PiXL.Parsed) AS max_parsed_id,
    (SELECT MAX(VisitID) FROM PiXL.Visit) AS max_visit_id
),
counts AS (
  SELECT
    SUM(CASE WHEN p.object_id = OBJECT_ID(N'PiXL.Test') THEN p.rows END) AS test_rows,
    SUM(CASE WHEN p.object_id = OBJECT_ID(N'PiXL.Parsed') THEN p.rows END) AS parsed_rows,
    SUM(CASE WHEN p.object_id = OBJECT_ID(N'PiXL.Device') THEN p.rows END) AS device_rows,
    SUM(CASE WHEN p.object_id = OBJECT_ID(N'PiXL.IP') THEN p.rows END) AS ip_rows,
    SUM(CASE WHEN p.object_id = OBJECT_ID(N'PiXL.Visit') THEN p.rows END) AS visit_rows,
    SUM(CASE WHEN p.object_id = OBJECT_ID(N'PiXL.Match') THEN p.rows END) AS match_rows
  FROM sys.partitions p
  WHERE p.index_id IN (0, 1)
)
SELECT
  c.test_rows AS TestRows,
  c.parsed_rows AS ParsedRows,
  c.device_rows AS DeviceRows,
  c.ip_rows AS IpRows,
  c.visit_rows AS VisitRows,
  c.match_rows AS MatchRows,
  x.max_test_id AS MaxTestId,
  x.max_parsed_id AS MaxParsedId,
  w.LastProcessedId AS ParseWatermark,
  w.RowsProcessed AS ParseRowsTotal,
  w.LastBatchRows AS ParseLastBatchRows,
  w.LastRunAt AS ParseLastRunAt,
  CASE WHEN lag.n < 10000 THEN lag.n
    ELSE GREATEST(COALESCE(x.max_test_id, 0) - w.LastProcessedId, lag.n) END AS ParseLag,
  m.LastProcessedId AS MatchWatermark,
  m.RowsProcessed AS MatchRowsTotal,
  m.RowsMatched AS MatchRowsMatched,
  m.LastRunAt AS MatchLastRunAt,
  GREATEST(COALESCE(x.max_visit_id, 0) - m.LastProcessedId, 0) AS MatchLag,
  (SELECT t.ReceivedAt FROM PiXL.Test t WHERE t.Id = x.max_test_id) AS LatestHitAt,
  (SELECT p.ParsedAt FROM PiXL.Parsed p WHERE p.SourceId = x.max_parsed_id) AS LatestParsedAt
FROM ETL.Watermark w
CROSS JOIN ETL.MatchWatermark m
CROSS JOIN maxima x
CROSS JOIN counts c
CROSS APPLY (
  SELECT COUNT_BIG(*) AS n FROM (
    SELECT TOP (10000) 1 AS one FROM PiXL.Test t WHERE t.RowVer > w.LastVersion
  ) ahead
) lag
WHERE w.ProcessName = 'ParseNewHits' AND m.ProcessName = 'MatchVisits';
GO

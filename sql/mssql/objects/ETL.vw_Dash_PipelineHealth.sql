-- One row describing the pipeline, read by GET /api/health (camelCase of these columns). Same columns in
-- sql/postgres/0004_pipeline_health.sql. ParseLag counts raw rows after the parse watermark (what is still to
-- parse, including rows whose older neighbours have not committed yet); MatchLag is the newest VisitID
-- minus the match watermark, as in the original.
CREATE OR ALTER VIEW ETL.vw_Dash_PipelineHealth AS
SELECT
  (SELECT COUNT_BIG(*) FROM PiXL.Test) AS TestRows,
  (SELECT COUNT_BIG(*) FROM PiXL.Parsed) AS ParsedRows,
  (SELECT COUNT_BIG(*) FROM PiXL.Device) AS DeviceRows,
  (SELECT COUNT_BIG(*) FROM PiXL.IP) AS IpRows,
  (SELECT COUNT_BIG(*) FROM PiXL.Visit) AS VisitRows,
  (SELECT COUNT_BIG(*) FROM PiXL.Match) AS MatchRows,
  (SELECT MAX(Id) FROM PiXL.Test) AS MaxTestId,
  (SELECT MAX(SourceId) FROM PiXL.Parsed) AS MaxParsedId,
  w.LastProcessedId AS ParseWatermark,
  w.RowsProcessed AS ParseRowsTotal,
  w.LastBatchRows AS ParseLastBatchRows,
  w.LastRunAt AS ParseLastRunAt,
  (SELECT COUNT_BIG(*) FROM PiXL.Test t WHERE t.RowVer > w.LastVersion) AS ParseLag,
  m.LastProcessedId AS MatchWatermark,
  m.RowsProcessed AS MatchRowsTotal,
  m.RowsMatched AS MatchRowsMatched,
  m.LastRunAt AS MatchLastRunAt,
  GREATEST(COALESCE((SELECT MAX(VisitID) FROM PiXL.Visit), 0) - m.LastProcessedId, 0) AS MatchLag,
  (SELECT COUNT_BIG(*) FROM PiXL.Match x WHERE x.IndividualKey IS NOT NULL) AS MatchesResolved,
  (SELECT COUNT_BIG(*) FROM PiXL.Match x WHERE x.IndividualKey IS NULL) AS MatchesPending,
  (SELECT COUNT_BIG(*) FROM PiXL.Visit v WHERE v.MatchEmail IS NOT NULL) AS VisitsWithEmail,
  (SELECT COUNT_BIG(DISTINCT v.DeviceId) FROM PiXL.Visit v) AS UniqueDevicesInVisits,
  (SELECT COUNT_BIG(DISTINCT v.IpId) FROM PiXL.Visit v) AS UniqueIpsInVisits,
  (SELECT MAX(ReceivedAt) FROM PiXL.Test) AS LatestHitAt,
  (SELECT MAX(ParsedAt) FROM PiXL.Parsed) AS LatestParsedAt,
  (SELECT MAX(MatchedAt) FROM PiXL.Match) AS LatestMatchAt
FROM ETL.Watermark w
CROSS JOIN ETL.MatchWatermark m
WHERE w.ProcessName = 'ParseNewHits' AND m.ProcessName = 'MatchVisits';
GO

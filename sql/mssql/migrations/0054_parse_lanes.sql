-- Parse lanes (src/etl/lanes.ts): one watermark row per parse bucket, 'ParseNewHits:00' … 'ParseNewHits:15', each
-- starting where the single watermark stood. The row 'ParseNewHits' stays: the parse keeps its totals there and
-- the lowest of the buckets' positions (what erasure and the health view read).
INSERT INTO ETL.Watermark (ProcessName, LastProcessedId, LastVersion, LastVersionId, LastRunAt)
SELECT CONCAT('ParseNewHits:', RIGHT(CONCAT('0', b.n), 2)), COALESCE(w.LastProcessedId, 0),
  COALESCE(w.LastVersion, 0x0000000000000000), COALESCE(w.LastVersionId, 0), w.LastRunAt
FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15)) AS b (n)
LEFT JOIN ETL.Watermark AS w ON w.ProcessName = 'ParseNewHits';
GO

-- Parse lanes (src/etl/lanes.ts): one watermark row per parse bucket, 'ParseNewHits:00' … 'ParseNewHits:15', each
-- starting where the single watermark stood. The row 'ParseNewHits' stays: the parse keeps its totals there and
-- the lowest of the buckets' positions (what erasure and the health view read).
INSERT INTO "ETL"."Watermark" ("ProcessName", "LastProcessedId", "LastVersion", "LastVersionId", "LastRunAt")
SELECT 'ParseNewHits:' || lpad(b::text, 2, '0'), COALESCE(w."LastProcessedId", 0), COALESCE(w."LastVersion", '0'),
  COALESCE(w."LastVersionId", 0), w."LastRunAt"
FROM generate_series(0, 15) b
LEFT JOIN "ETL"."Watermark" w ON w."ProcessName" = 'ParseNewHits';

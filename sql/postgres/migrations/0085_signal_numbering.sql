-- The signals' numbering apart from the parse (src/etl/lanes.ts): ETL.usp_NumberSignals adds raw rows to
-- ETL.SignalHit by network bucket, one watermark row each ('NumberSignals:00' … 'NumberSignals:15'), and the
-- parse buckets now hold rows by Id, not by network. Both start at the lowest position of the old parse buckets:
-- every row before it is parsed and numbered; rows after it done already are skipped by key.
INSERT INTO "ETL"."Watermark" ("ProcessName", "LastProcessedId", "LastVersion", "LastVersionId", "LastRunAt")
SELECT 'NumberSignals:' || lpad(b::text, 2, '0'), 0, COALESCE(m."LastVersion", '0'), COALESCE(m."LastVersionId", 0),
  NULL
FROM generate_series(0, 15) b
LEFT JOIN (
  SELECT w."LastVersion", w."LastVersionId" FROM "ETL"."Watermark" w WHERE w."ProcessName" LIKE 'ParseNewHits:%'
  ORDER BY w."LastVersion", w."LastVersionId" LIMIT 1
) m ON true;
UPDATE "ETL"."Watermark" w SET "LastVersion" = m."LastVersion", "LastVersionId" = m."LastVersionId"
FROM (
  SELECT x."LastVersion", x."LastVersionId" FROM "ETL"."Watermark" x WHERE x."ProcessName" LIKE 'ParseNewHits:%'
  ORDER BY x."LastVersion", x."LastVersionId" LIMIT 1
) m
WHERE w."ProcessName" LIKE 'ParseNewHits:%';

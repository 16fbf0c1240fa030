-- The signals' numbering apart from the parse (src/etl/lanes.ts): ETL.usp_NumberSignals adds raw rows to
-- ETL.SignalHit by network bucket, one watermark row each ('NumberSignals:00' … 'NumberSignals:15'), and the
-- parse buckets now hold rows by Id, not by network. Both start at the lowest position of the old parse buckets:
-- every row before it is parsed and numbered; rows after it done already are skipped by key.
DECLARE @lowest BINARY(8) = COALESCE(
  (SELECT MIN(w.LastVersion) FROM ETL.Watermark AS w WHERE w.ProcessName LIKE 'ParseNewHits:%'), 0x0000000000000000);
INSERT INTO ETL.Watermark (ProcessName, LastProcessedId, LastVersion, LastVersionId)
SELECT CONCAT('NumberSignals:', RIGHT(CONCAT('0', b.n), 2)), 0, @lowest, 0
FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15)) AS b (n);
UPDATE ETL.Watermark SET LastVersion = @lowest, LastVersionId = 0 WHERE ProcessName LIKE 'ParseNewHits:%';
GO

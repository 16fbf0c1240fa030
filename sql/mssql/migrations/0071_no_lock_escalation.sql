-- smartpixl:no-transaction
-- An ETL batch writes thousands of rows to each of these tables in one transaction (the parse up to
-- ETL_BATCH_SIZE rows, classify up to ETL_CLASSIFY_BATCH_SIZE addresses, match up to ETL_MATCH_BATCH_SIZE
-- visits). Past about 5,000 locks on one table SQL Server escalates them to a table lock: two parse lanes
-- (src/etl/lanes.ts) would then run one after the other, and without read-committed snapshot every reader
-- of the table would wait for the batch. Row locks stay row locks instead; a 10,000-row batch holds some
-- 10-20 MB of lock memory. One statement per batch, each holding its table's schema lock only for itself.
ALTER TABLE PiXL.Parsed SET (LOCK_ESCALATION = DISABLE);
GO
ALTER TABLE PiXL.Visit SET (LOCK_ESCALATION = DISABLE);
GO
ALTER TABLE PiXL.Device SET (LOCK_ESCALATION = DISABLE);
GO
ALTER TABLE PiXL.IP SET (LOCK_ESCALATION = DISABLE);
GO
ALTER TABLE ETL.SignalHit SET (LOCK_ESCALATION = DISABLE);
GO
ALTER TABLE PiXL.Match SET (LOCK_ESCALATION = DISABLE);
GO
ALTER TABLE PiXL.MatchVisit SET (LOCK_ESCALATION = DISABLE);
GO

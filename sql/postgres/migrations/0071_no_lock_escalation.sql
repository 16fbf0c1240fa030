-- SQL Server's twin keeps the ETL's large batches on row locks (LOCK_ESCALATION = DISABLE); PostgreSQL never
-- escalates row locks to table locks.
SELECT 1;

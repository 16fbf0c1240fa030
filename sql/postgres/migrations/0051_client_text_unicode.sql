-- Client-supplied text: PostgreSQL's varchar(n) already counts characters in a UTF8 database, so any 2,000
-- characters the capture keeps fit unchanged. SQL Server's twin moves those columns to NVARCHAR.
SELECT 1;

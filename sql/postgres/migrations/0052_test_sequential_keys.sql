-- SQL Server's twin sets OPTIMIZE_FOR_SEQUENTIAL_KEY on PiXL.Test's ascending indexes; PostgreSQL has no such
-- last-page latch convoy to avoid.
SELECT 1;

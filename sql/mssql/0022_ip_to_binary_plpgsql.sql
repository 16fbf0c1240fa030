-- Nothing to change on SQL Server: this number replaces PostgreSQL's ETL.IpToBinary with a PL/pgSQL version
-- (the inlined SQL version repeated its intermediate expressions). The T-SQL inline function of 0020 stays.
IF OBJECT_ID(N'ETL.IpToBinary', N'IF') IS NULL THROW 50002, 'ETL.IpToBinary (0020) is missing', 1;
GO

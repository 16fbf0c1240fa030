-- Schemas and the raw hit table.
IF SCHEMA_ID(N'PiXL') IS NULL EXEC (N'CREATE SCHEMA PiXL');
IF SCHEMA_ID(N'ETL') IS NULL EXEC (N'CREATE SCHEMA ETL');
GO

CREATE TABLE PiXL.Test (
  Id             BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT PK_Test PRIMARY KEY CLUSTERED,
  -- UUIDv7 made at capture; the writer is idempotent on it (queue delivery is at-least-once).
  HitId          UNIQUEIDENTIFIER NOT NULL,
  -- pixel | beacon | legacy (a bare <img> hit without a query string)
  HitType        VARCHAR(10) NOT NULL,
  CompanyID      VARCHAR(64) NOT NULL,
  PiXLID         VARCHAR(64) NOT NULL,
  IPAddress      VARCHAR(45) NULL,
  RequestPath    VARCHAR(4000) NULL,
  -- Everything after '?', verbatim (percent-encoded, so ASCII); QueryTruncated when cut.
  QueryString    VARCHAR(MAX) NULL,
  QueryTruncated BIT NOT NULL CONSTRAINT DF_Test_QueryTruncated DEFAULT (0),
  -- The decoded parameters (first value of each key), for the ETL to shred inside the database.
  ParamsJson     JSON NOT NULL,
  HeadersJson    JSON NOT NULL,
  UserAgent      VARCHAR(2000) NULL,
  Referer        VARCHAR(2000) NULL,
  ReceivedAt     DATETIME2(3) NOT NULL,
  InsertedAt     DATETIME2(3) NOT NULL CONSTRAINT DF_Test_InsertedAt DEFAULT (SYSUTCDATETIME()),
  -- Rows below MIN_ACTIVE_ROWVERSION() are committed: the ETL reads only those, so identity values
  -- committed out of order are never skipped (see ETL.usp_ParseNewHits).
  RowVer         ROWVERSION NOT NULL
);
GO

-- IGNORE_DUP_KEY: a redelivered message's hits are skipped instead of failing the whole insert.
CREATE UNIQUE NONCLUSTERED INDEX UX_Test_HitId ON PiXL.Test (HitId) WITH (IGNORE_DUP_KEY = ON);
CREATE NONCLUSTERED INDEX IX_Test_RowVer ON PiXL.Test (RowVer);
GO

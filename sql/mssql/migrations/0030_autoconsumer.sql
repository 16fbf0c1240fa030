-- AutoConsumer: the consumer file identity matching looks emails up in. In production it is an existing table
-- (hundreds of millions of rows, often in another database); locally and in tests this migration creates one.
-- Procedures never name the table: they read the synonym PiXL.AutoConsumerSource, which setup re-points at the
-- table named by AUTOCONSUMER_TABLE (src/identity/consumerSource.ts). sql/optional/mssql-autoconsumer-setup.sql
-- adds the columns and indexes below to a foreign consumer table.
--
-- The one definition of a normalised email (mirrored by src/identity/email.ts and the PostgreSQL migration):
-- surrounding spaces, tabs, CR and LF trimmed, ASCII A-Z lower-cased, NULL when nothing is left. TRANSLATE under
-- a binary collation folds exactly A-Z (LOWER would follow the collation's Unicode and locale rules); the result
-- is VARCHAR under a UTF-8 collation, so HASHBYTES sees the same UTF-8 bytes as PostgreSQL and Node.

-- Unicode text of the normalised email (for reports and tests; matching compares the EMailNorm column's bytes).
CREATE FUNCTION PiXL.NormaliseEmail (@email NVARCHAR(4000))
RETURNS NVARCHAR(4000)
WITH SCHEMABINDING, RETURNS NULL ON NULL INPUT
AS
BEGIN
  RETURN NULLIF(TRANSLATE(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM @email COLLATE Latin1_General_100_BIN2),
    N'ABCDEFGHIJKLMNOPQRSTUVWXYZ', N'abcdefghijklmnopqrstuvwxyz'), N'');
END;
GO

-- The hash is computed inline from the UTF-8 VARCHAR: a function's VARCHAR result would be re-encoded to the
-- database's default code page.
CREATE FUNCTION PiXL.EmailSha256 (@email NVARCHAR(4000))
RETURNS CHAR(64)
WITH SCHEMABINDING, RETURNS NULL ON NULL INPUT
AS
BEGIN
  RETURN LOWER(CONVERT(CHAR(64), HASHBYTES('SHA2_256', CONVERT(VARCHAR(8000),
    NULLIF(TRANSLATE(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM @email COLLATE Latin1_General_100_BIN2),
      N'ABCDEFGHIJKLMNOPQRSTUVWXYZ', N'abcdefghijklmnopqrstuvwxyz'), N'') COLLATE Latin1_General_100_BIN2_UTF8)), 2));
END;
GO

-- Text columns use a UTF-8 collation so any name or email survives whatever the database default is.
CREATE TABLE dbo.AutoConsumer (
  RecordID      BIGINT NOT NULL CONSTRAINT PK_AutoConsumer PRIMARY KEY CLUSTERED,
  IndividualKey VARCHAR(35) NULL,
  AddressKey    VARCHAR(35) NULL,
  FirstName     VARCHAR(50) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
  MiddleInitial VARCHAR(1) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
  LastName      VARCHAR(50) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
  Address1      VARCHAR(100) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
  Address2      VARCHAR(100) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
  City          VARCHAR(50) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
  State         VARCHAR(2) NULL,
  Zip           VARCHAR(5) NULL,
  Zip4          VARCHAR(4) NULL,
  Phone         VARCHAR(10) NULL,
  -- As the file has it: mixed case, stray spaces, sometimes junk.
  EMail         VARCHAR(255) COLLATE Latin1_General_100_CI_AS_SC_UTF8 NULL,
  -- The same expressions as the functions above, inline: a computed column needs no function dependency and
  -- works on a foreign table in another database (see sql/optional).
  EMailNorm AS CONVERT(VARCHAR(1020),
    NULLIF(TRANSLATE(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM CONVERT(NVARCHAR(4000), EMail) COLLATE Latin1_General_100_BIN2),
      N'ABCDEFGHIJKLMNOPQRSTUVWXYZ', N'abcdefghijklmnopqrstuvwxyz'), N'') COLLATE Latin1_General_100_BIN2_UTF8)
    COLLATE Latin1_General_100_BIN2_UTF8 PERSISTED,
  EMailSha256 AS LOWER(CONVERT(CHAR(64), HASHBYTES('SHA2_256', CONVERT(VARCHAR(1020),
    NULLIF(TRANSLATE(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM CONVERT(NVARCHAR(4000), EMail) COLLATE Latin1_General_100_BIN2),
      N'ABCDEFGHIJKLMNOPQRSTUVWXYZ', N'abcdefghijklmnopqrstuvwxyz'), N'') COLLATE Latin1_General_100_BIN2_UTF8)), 2))
    COLLATE Latin1_General_100_BIN2 PERSISTED
);
GO

-- The reference's index on the raw column, kept for compatibility with queries written against the original.
CREATE NONCLUSTERED INDEX IX_AutoConsumer_EMail ON dbo.AutoConsumer (EMail) INCLUDE (IndividualKey, AddressKey)
  WHERE EMail IS NOT NULL;
-- Matching seeks these: newest record of an email = last entry of its (key, RecordID) range. SQL Server cannot
-- filter an index on a computed column, so rows without email sit in them as NULL keys; without INCLUDE columns
-- those cost ~20 bytes a row, and a match pays one key lookup for IndividualKey and AddressKey.
CREATE NONCLUSTERED INDEX IX_AutoConsumer_EMailNorm ON dbo.AutoConsumer (EMailNorm, RecordID);
CREATE NONCLUSTERED INDEX IX_AutoConsumer_EMailSha256 ON dbo.AutoConsumer (EMailSha256, RecordID);
GO

CREATE SYNONYM PiXL.AutoConsumerSource FOR dbo.AutoConsumer;
GO

-- Optional, run by a DBA: prepares an EXISTING consumer table (for example the production AutoConsumer in another
-- database) for SmartPiXL's matching, then SmartPiXL's setup points the synonym PiXL.AutoConsumerSource at it
-- (AUTOCONSUMER_TABLE=ConsumerDb.dbo.AutoConsumer, then `npm run db:consumer-source`).
--
-- Matching reads RecordID, IndividualKey, AddressKey, EMailNorm and EMailSha256 and seeks
-- (EMailNorm, RecordID) and (EMailSha256, RecordID); every pass also reads MAX(RecordID) and the records after
-- the last one it saw, which needs an index leading on RecordID (created below where none does: without one,
-- each pass, every minute, scans the whole table). Run in the consumer table's database; edit the table name.
-- Needs SQL Server 2019+ or Azure SQL (UTF-8 collations), and SET QUOTED_IDENTIFIER, ANSI_NULLS, ANSI_PADDING,
-- ANSI_WARNINGS, ARITHABORT, CONCAT_NULL_YIELDS_NULL ON for this script and for every later write to the table
-- (indexes on computed columns require them; most drivers set them).
--
-- Size: the columns are computed but NOT persisted here, so adding them changes metadata only (no rewrite of a
-- table with hundreds of millions of rows); each index is one sorted build. SQL Server cannot filter an index
-- on a computed column, so rows without email are in both indexes as NULL keys (~20 bytes each). Add
-- ONLINE = ON (Enterprise / Azure SQL) to build without blocking the loaders.
-- The expressions must stay byte-for-byte those of sql/mssql/0030_autoconsumer.sql: they define the hash
-- clients send as _cp_hid.

ALTER TABLE dbo.AutoConsumer ADD
  EMailNorm AS CONVERT(VARCHAR(1020),
    NULLIF(TRANSLATE(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM CONVERT(NVARCHAR(4000), EMail) COLLATE Latin1_General_100_BIN2),
      N'ABCDEFGHIJKLMNOPQRSTUVWXYZ', N'abcdefghijklmnopqrstuvwxyz'), N'') COLLATE Latin1_General_100_BIN2_UTF8)
    COLLATE Latin1_General_100_BIN2_UTF8,
  EMailSha256 AS LOWER(CONVERT(CHAR(64), HASHBYTES('SHA2_256', CONVERT(VARCHAR(1020),
    NULLIF(TRANSLATE(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13)) FROM CONVERT(NVARCHAR(4000), EMail) COLLATE Latin1_General_100_BIN2),
      N'ABCDEFGHIJKLMNOPQRSTUVWXYZ', N'abcdefghijklmnopqrstuvwxyz'), N'') COLLATE Latin1_General_100_BIN2_UTF8)), 2))
    COLLATE Latin1_General_100_BIN2;
GO

CREATE NONCLUSTERED INDEX IX_AutoConsumer_EMailNorm ON dbo.AutoConsumer (EMailNorm, RecordID)
  WITH (SORT_IN_TEMPDB = ON);
CREATE NONCLUSTERED INDEX IX_AutoConsumer_EMailSha256 ON dbo.AutoConsumer (EMailSha256, RecordID)
  WITH (SORT_IN_TEMPDB = ON);
GO

-- An index leading on RecordID, unless one does already (a clustered primary key on it, as the reference has).
IF NOT EXISTS (
  SELECT 1 FROM sys.index_columns AS ic
  JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
  WHERE ic.object_id = OBJECT_ID(N'dbo.AutoConsumer') AND ic.key_ordinal = 1 AND c.name = N'RecordID')
  CREATE NONCLUSTERED INDEX IX_AutoConsumer_RecordID ON dbo.AutoConsumer (RecordID) WITH (SORT_IN_TEMPDB = ON);
GO

-- The reference's index on the raw column, if the table does not have it yet (SmartPiXL does not need it).
-- CREATE NONCLUSTERED INDEX IX_AutoConsumer_EMail ON dbo.AutoConsumer (EMail) INCLUDE (IndividualKey, AddressKey)
--   WHERE EMail IS NOT NULL;

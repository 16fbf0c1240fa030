-- The look-back of the behaviour signals with running counts: ETL.SignalHit replaces ETL.RecentHit. Each row
-- carries its address's and its /24's running hit count in (ReceivedAt, SourceId) order (IpSeq, SubnetSeq), so
-- the parse counts a window's hits as the difference of two index seeks instead of reading the window
-- (scripts/sqlgen/mssqlSignals.ts). The rows of ETL.RecentHit are kept, numbered here.
CREATE TABLE ETL.SignalHit (
  SourceId   BIGINT NOT NULL CONSTRAINT PK_SignalHit PRIMARY KEY CLUSTERED,
  IPAddress  VARCHAR(45) COLLATE Latin1_General_100_BIN2 NOT NULL,
  Subnet     VARCHAR(45) COLLATE Latin1_General_100_BIN2 NULL,
  ReceivedAt DATETIME2(3) NOT NULL,
  FpHash     BINARY(32) NULL,
  IpSeq      BIGINT NOT NULL,
  SubnetSeq  BIGINT NULL
);
GO

INSERT INTO ETL.SignalHit (SourceId, IPAddress, Subnet, ReceivedAt, FpHash, IpSeq, SubnetSeq)
SELECT r.SourceId, r.IPAddress, r.Subnet, r.ReceivedAt, r.FpHash,
  ROW_NUMBER() OVER (PARTITION BY r.IPAddress ORDER BY r.ReceivedAt, r.SourceId),
  CASE WHEN r.Subnet IS NOT NULL
    THEN ROW_NUMBER() OVER (PARTITION BY r.Subnet ORDER BY r.ReceivedAt, r.SourceId) END
FROM ETL.RecentHit r;

CREATE INDEX IX_SignalHit_IP ON ETL.SignalHit (IPAddress, ReceivedAt, SourceId) INCLUDE (IpSeq, FpHash);
CREATE INDEX IX_SignalHit_Subnet ON ETL.SignalHit (Subnet, ReceivedAt, SourceId) INCLUDE (SubnetSeq, IPAddress);
CREATE INDEX IX_SignalHit_ReceivedAt ON ETL.SignalHit (ReceivedAt);

-- ETL.RecentHit is emptied, not dropped: npm run check:tsql validates every migration's statements against the
-- final schema, so a drop would make released migration 0040's statements unresolvable. A later migration can
-- drop it once the check validates each statement against the schema as of its position.
TRUNCATE TABLE ETL.RecentHit;
GO

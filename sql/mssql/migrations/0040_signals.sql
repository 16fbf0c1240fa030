-- Written by the field-catalog generator when this migration was released; frozen since, like every released
-- migration. The parse procedure lives in objects/ETL.usp_ParseNewHits.sql.

-- Known bots are decided by the writer (isbot's patterns are JavaScript regexes); NULL for older rows.
ALTER TABLE PiXL.Test ADD IsKnownBot BIT NULL;
GO

ALTER TABLE PiXL.Parsed ADD
  [Srv_FpDistinct] INT NULL,
  [Srv_FpObservations] INT NULL,
  [Srv_FpHitsIn5m] INT NULL,
  [Srv_FpSuspicious] BIT NULL,
  [Srv_FpHighVolume] BIT NULL,
  [Srv_FpExtremeVolume] BIT NULL,
  [Srv_FpHighRate] BIT NULL,
  [IsKnownBot] BIT NULL,
  [IsLikelyBot] BIT NULL;
GO

-- The look-back of the behaviour signals: one narrow row per parsed hit with an address, for the longest window
-- plus slack. Subnet is the IPv4 /24 ('a.b.c'), FpHash the canvas|webgl|audio composite.
CREATE TABLE ETL.RecentHit (
  SourceId   BIGINT NOT NULL CONSTRAINT PK_RecentHit PRIMARY KEY CLUSTERED,
  IPAddress  VARCHAR(45) COLLATE Latin1_General_100_BIN2 NOT NULL,
  Subnet     VARCHAR(45) COLLATE Latin1_General_100_BIN2 NULL,
  ReceivedAt DATETIME2(3) NOT NULL,
  FpHash     BINARY(32) NULL
);
CREATE INDEX IX_RecentHit_IP ON ETL.RecentHit (IPAddress, ReceivedAt, SourceId) INCLUDE (FpHash);
CREATE INDEX IX_RecentHit_Subnet ON ETL.RecentHit (Subnet, ReceivedAt, SourceId) INCLUDE (IPAddress);
CREATE INDEX IX_RecentHit_ReceivedAt ON ETL.RecentHit (ReceivedAt);
GO

INSERT INTO ETL.RecentHit (SourceId, IPAddress, Subnet, ReceivedAt, FpHash)
SELECT p.SourceId, p.IPAddress, CASE WHEN p.IPAddress COLLATE Latin1_General_100_BIN2 + '0' NOT LIKE '%[^0-9.]%' AND LEN(p.IPAddress) - LEN(REPLACE(p.IPAddress, '.', '')) = 3
      THEN LEFT(p.IPAddress, LEN(p.IPAddress) - CHARINDEX('.', REVERSE(p.IPAddress))) COLLATE Latin1_General_100_BIN2 END, p.ReceivedAt,
  CASE WHEN COALESCE(p.CanvasFingerprint, p.WebGLFingerprint, p.AudioFingerprintHash) IS NOT NULL
      THEN CAST(HASHBYTES('SHA2_256', CONVERT(VARCHAR(MAX),
        CONCAT(p.CanvasFingerprint, N'|', p.WebGLFingerprint, N'|', p.AudioFingerprintHash) COLLATE Latin1_General_100_CI_AS_SC_UTF8)) AS BINARY(32)) END
FROM PiXL.Parsed p
WHERE p.IPAddress IS NOT NULL
  AND p.ReceivedAt >= DATEADD(SECOND, -90000, (SELECT MAX(x.ReceivedAt) FROM PiXL.Parsed x));
GO

-- The warehouse around PiXL.Parsed (which 0003 generates from the field catalog): configuration, the Device
-- and IP dimensions, the Visit fact, the (still empty) Match table, the ETL watermarks and the seed client.
-- Names match sql/postgres/0002_warehouse.sql exactly. Text that PostgreSQL keeps as varchar(n) characters
-- is NVARCHAR(2n) here (n characters may need 2n UTF-16 code units); see src/warehouse/sqlgen/mssql.ts.

-- Configuration ----------------------------------------------------------------------------------------

CREATE TABLE PiXL.Company (
  CompanyID   VARCHAR(64) NOT NULL CONSTRAINT PK_Company PRIMARY KEY,
  CompanyName NVARCHAR(400) NOT NULL,
  IsActive    BIT NOT NULL CONSTRAINT DF_Company_IsActive DEFAULT (1),
  CreatedAt   DATETIME2(3) NOT NULL CONSTRAINT DF_Company_CreatedAt DEFAULT (SYSUTCDATETIME())
);

CREATE TABLE PiXL.Pixel (
  CompanyID VARCHAR(64) NOT NULL CONSTRAINT FK_Pixel_Company REFERENCES PiXL.Company (CompanyID),
  PiXLID    VARCHAR(64) NOT NULL,
  PixelName NVARCHAR(400) NOT NULL,
  IsActive  BIT NOT NULL CONSTRAINT DF_Pixel_IsActive DEFAULT (1),
  CreatedAt DATETIME2(3) NOT NULL CONSTRAINT DF_Pixel_CreatedAt DEFAULT (SYSUTCDATETIME()),
  CONSTRAINT PK_Pixel PRIMARY KEY (CompanyID, PiXLID)
);

-- Per-pixel settings, as the original's PiXL.Config.
CREATE TABLE PiXL.Config (
  CompanyID         VARCHAR(64) NOT NULL,
  PiXLID            VARCHAR(64) NOT NULL,
  ExcludeLocalIP    BIT NOT NULL CONSTRAINT DF_Config_ExcludeLocalIP DEFAULT (0),
  ExcludeAudioFP    BIT NOT NULL CONSTRAINT DF_Config_ExcludeAudioFP DEFAULT (0),
  ExcludeCanvasFP   BIT NOT NULL CONSTRAINT DF_Config_ExcludeCanvasFP DEFAULT (0),
  ExcludeWebGLFP    BIT NOT NULL CONSTRAINT DF_Config_ExcludeWebGLFP DEFAULT (0),
  ExcludeBots       BIT NOT NULL CONSTRAINT DF_Config_ExcludeBots DEFAULT (0),
  BotScoreThreshold INT NOT NULL CONSTRAINT DF_Config_BotScoreThreshold DEFAULT (10),
  RetentionDays     INT NOT NULL CONSTRAINT DF_Config_RetentionDays DEFAULT (365),
  MatchEmail        BIT NOT NULL CONSTRAINT DF_Config_MatchEmail DEFAULT (1),
  MatchIP           BIT NOT NULL CONSTRAINT DF_Config_MatchIP DEFAULT (1),
  MatchGeo          BIT NOT NULL CONSTRAINT DF_Config_MatchGeo DEFAULT (1),
  Notes             NVARCHAR(2000) NULL,
  CreatedAt         DATETIME2(3) NOT NULL CONSTRAINT DF_Config_CreatedAt DEFAULT (SYSUTCDATETIME()),
  UpdatedAt         DATETIME2(3) NOT NULL CONSTRAINT DF_Config_UpdatedAt DEFAULT (SYSUTCDATETIME()),
  CONSTRAINT PK_Config PRIMARY KEY (CompanyID, PiXLID),
  CONSTRAINT FK_Config_Pixel FOREIGN KEY (CompanyID, PiXLID) REFERENCES PiXL.Pixel (CompanyID, PiXLID)
);

-- The DOM values a pixel's script sends as `_cp_<name>` params (the seed's phase 11 rows of PiXL.Config).
CREATE TABLE PiXL.ConfigClientParam (
  CompanyID   VARCHAR(64) NOT NULL,
  PiXLID      VARCHAR(64) NOT NULL,
  ParamName   VARCHAR(100) NOT NULL,
  DomSelector NVARCHAR(1000) NOT NULL,
  CreatedAt   DATETIME2(3) NOT NULL CONSTRAINT DF_ConfigClientParam_CreatedAt DEFAULT (SYSUTCDATETIME()),
  CONSTRAINT PK_ConfigClientParam PRIMARY KEY (CompanyID, PiXLID, ParamName),
  CONSTRAINT FK_ConfigClientParam_Config FOREIGN KEY (CompanyID, PiXLID) REFERENCES PiXL.Config (CompanyID, PiXLID),
  CONSTRAINT CK_ConfigClientParam_Name CHECK (ParamName LIKE '[_]cp[_]%')
);
GO

-- Dimensions and facts ---------------------------------------------------------------------------------

-- One row per distinct DeviceHash, global across companies. The component values are the first hit's.
CREATE TABLE PiXL.Device (
  DeviceId             BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT PK_Device PRIMARY KEY CLUSTERED,
  -- SHA-256 of the UTF-8 bytes of CanvasFingerprint|DetectedFonts|GPURenderer|WebGLFingerprint|AudioFingerprintHash.
  DeviceHash           BINARY(32) NOT NULL CONSTRAINT UX_Device_DeviceHash UNIQUE,
  CanvasFingerprint    NVARCHAR(400) NULL,
  DetectedFonts        NVARCHAR(MAX) NULL,
  GPURenderer          NVARCHAR(1000) NULL,
  WebGLFingerprint     NVARCHAR(400) NULL,
  AudioFingerprintHash NVARCHAR(400) NULL,
  GPUVendor            NVARCHAR(400) NULL,
  Platform             NVARCHAR(200) NULL,
  HardwareConcurrency  INT NULL,
  DeviceMemoryGB       DECIMAL(5, 2) NULL,
  ScreenWidth          INT NULL,
  ScreenHeight         INT NULL,
  ColorDepth           INT NULL,
  PixelRatio           DECIMAL(5, 2) NULL,
  MaxTouchPoints       INT NULL,
  FirstSeen            DATETIME2(3) NOT NULL,
  LastSeen             DATETIME2(3) NOT NULL,
  HitCount             BIGINT NOT NULL
);

-- IpType, IsDatacenter and DatacenterProvider are filled by the enrichment step, not by the parse.
-- Addresses compare as bytes (BIN2), as PostgreSQL compares them.
CREATE TABLE PiXL.IP (
  IpId               BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT PK_IP PRIMARY KEY CLUSTERED,
  IPAddress          VARCHAR(45) COLLATE Latin1_General_100_BIN2 NOT NULL CONSTRAINT UX_IP_IPAddress UNIQUE,
  IpType             VARCHAR(20) NULL,
  IsDatacenter       BIT NULL,
  DatacenterProvider VARCHAR(50) NULL,
  FirstSeen          DATETIME2(3) NOT NULL,
  LastSeen           DATETIME2(3) NOT NULL,
  HitCount           BIGINT NOT NULL
);

-- One visit per parsed hit; VisitID is the raw PiXL.Test Id, so a re-run cannot insert a visit twice.
CREATE TABLE PiXL.Visit (
  VisitID          BIGINT NOT NULL CONSTRAINT PK_Visit PRIMARY KEY CLUSTERED,
  CompanyID        VARCHAR(64) NOT NULL,
  PiXLID           VARCHAR(64) NOT NULL,
  -- No foreign keys, as on PostgreSQL: the parse writes these from the rows it has just upserted.
  DeviceId         BIGINT NULL,
  IpId             BIGINT NULL,
  ReceivedAt       DATETIME2(3) NOT NULL,
  -- Every `_cp_<name>` param as "<name>": value.
  ClientParamsJson JSON NULL,
  -- The `email` client param, trimmed, ASCII letters lower-cased: a plain column so it can be indexed
  -- (a filtered index cannot use a computed column over JSON, Msg 10609).
  MatchEmail       NVARCHAR(400) NULL,
  CreatedAt        DATETIME2(3) NOT NULL CONSTRAINT DF_Visit_CreatedAt DEFAULT (SYSUTCDATETIME())
);
CREATE NONCLUSTERED INDEX IX_Visit_MatchEmail ON PiXL.Visit (MatchEmail) WHERE MatchEmail IS NOT NULL;

-- Identity matches; filled by ETL.usp_MatchVisits (a later migration).
CREATE TABLE PiXL.Match (
  MatchId         BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT PK_Match PRIMARY KEY CLUSTERED,
  CompanyID       VARCHAR(64) NOT NULL,
  PiXLID          VARCHAR(64) NOT NULL,
  -- email | ip | geo
  MatchType       VARCHAR(10) NOT NULL,
  MatchKey        NVARCHAR(400) NOT NULL,
  IndividualKey   VARCHAR(35) NULL,
  AddressKey      VARCHAR(35) NULL,
  DeviceId        BIGINT NULL,
  IpId            BIGINT NULL,
  FirstVisitID    BIGINT NULL,
  LatestVisitID   BIGINT NULL,
  FirstSeen       DATETIME2(3) NULL,
  LastSeen        DATETIME2(3) NULL,
  HitCount        INT NOT NULL CONSTRAINT DF_Match_HitCount DEFAULT (1),
  ConfidenceScore DECIMAL(5, 2) NULL,
  MatchedAt       DATETIME2(3) NULL,
  CONSTRAINT UX_Match_Key UNIQUE (CompanyID, PiXLID, MatchType, MatchKey)
);
GO

-- ETL bookkeeping --------------------------------------------------------------------------------------

-- The parse watermark: LastVersion is the RowVer of the last raw row parsed (LastVersionId its Id); rows are
-- taken in RowVer order and only below MIN_ACTIVE_ROWVERSION(). LastProcessedId is the highest Id parsed.
CREATE TABLE ETL.Watermark (
  ProcessName     VARCHAR(50) NOT NULL CONSTRAINT PK_Watermark PRIMARY KEY,
  LastProcessedId BIGINT NOT NULL CONSTRAINT DF_Watermark_LastProcessedId DEFAULT (0),
  LastVersion     BINARY(8) NOT NULL CONSTRAINT DF_Watermark_LastVersion DEFAULT (0x0000000000000000),
  LastVersionId   BIGINT NOT NULL CONSTRAINT DF_Watermark_LastVersionId DEFAULT (0),
  RowsProcessed   BIGINT NOT NULL CONSTRAINT DF_Watermark_RowsProcessed DEFAULT (0),
  LastBatchRows   INT NOT NULL CONSTRAINT DF_Watermark_LastBatchRows DEFAULT (0),
  LastRunAt       DATETIME2(3) NULL
);
INSERT INTO ETL.Watermark (ProcessName) VALUES ('ParseNewHits');

CREATE TABLE ETL.MatchWatermark (
  ProcessName     VARCHAR(50) NOT NULL CONSTRAINT PK_MatchWatermark PRIMARY KEY,
  LastProcessedId BIGINT NOT NULL CONSTRAINT DF_MatchWatermark_LastProcessedId DEFAULT (0),
  LastRunAt       DATETIME2(3) NULL,
  RowsProcessed   BIGINT NOT NULL CONSTRAINT DF_MatchWatermark_RowsProcessed DEFAULT (0),
  RowsMatched     BIGINT NOT NULL CONSTRAINT DF_MatchWatermark_RowsMatched DEFAULT (0)
);
INSERT INTO ETL.MatchWatermark (ProcessName) VALUES ('MatchVisits');
GO

-- Seed: the first client ------------------------------------------------------------------------------

INSERT INTO PiXL.Company (CompanyID, CompanyName) VALUES ('12800', N'The Trivia Quest');
INSERT INTO PiXL.Pixel (CompanyID, PiXLID, PixelName) VALUES ('12800', '1', N'Main');
INSERT INTO PiXL.Config (CompanyID, PiXLID) VALUES ('12800', '1');
INSERT INTO PiXL.ConfigClientParam (CompanyID, PiXLID, ParamName, DomSelector)
VALUES ('12800', '1', '_cp_email', N'#email-input'), ('12800', '1', '_cp_hid', N'#hashed-id');
GO

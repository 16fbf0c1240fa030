-- Privacy controls (docs/PRIVACY.md): per-company and per-pixel settings, the opt-out flag of a visit, the
-- indexes retention seeks, and the erasure audit and suppression list. Mirrors sql/postgres/migrations/0070_privacy.sql.

-- A company's settings apply to every pixel of the company; a pixel's PiXL.Config row can only make them
-- stricter (a flag is on when either says so; the shorter retention wins). Companies without a row: GPC honoured,
-- DNT not, addresses kept whole, RetentionDays 365.
ALTER TABLE PiXL.Company ADD
  HonorGPC      BIT NOT NULL CONSTRAINT DF_Company_HonorGPC DEFAULT (1),
  HonorDNT      BIT NOT NULL CONSTRAINT DF_Company_HonorDNT DEFAULT (0),
  TruncateIP    BIT NOT NULL CONSTRAINT DF_Company_TruncateIP DEFAULT (0),
  RetentionDays INT NULL CONSTRAINT CK_Company_RetentionDays CHECK (RetentionDays >= 1);
ALTER TABLE PiXL.Config ADD
  HonorGPC   BIT NOT NULL CONSTRAINT DF_Config_HonorGPC DEFAULT (0),
  HonorDNT   BIT NOT NULL CONSTRAINT DF_Config_HonorDNT DEFAULT (0),
  TruncateIP BIT NOT NULL CONSTRAINT DF_Config_TruncateIP DEFAULT (0);
GO
ALTER TABLE PiXL.Config ADD CONSTRAINT CK_Config_RetentionDays CHECK (RetentionDays >= 1);

-- The hit said "do not sell or share" (Sec-GPC: 1, or DNT: 1 where honoured): never matched, never exported,
-- its client params dropped. NULL on visits parsed before this migration.
ALTER TABLE PiXL.Visit ADD PrivacyOptOut BIT NULL;
-- The person a visit names, as hashes, so erasure finds their visits with index seeks: the SHA-256 of MatchEmail,
-- and the `hid` client param when it is 64 hex digits (lower-cased). NULL when opted out, like the email.
ALTER TABLE PiXL.Visit ADD
  EmailSha256 CHAR(64) COLLATE Latin1_General_100_BIN2 NULL,
  MatchHid    CHAR(64) COLLATE Latin1_General_100_BIN2 NULL;
GO
UPDATE v SET EmailSha256 = PiXL.EmailSha256(v.MatchEmail),
  MatchHid = CASE WHEN LEN(h.Hid) = 64 AND h.Hid COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9a-f]%'
    THEN CONVERT(CHAR(64), h.Hid) END
FROM PiXL.Visit AS v
CROSS APPLY (SELECT LOWER(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13))
  FROM JSON_VALUE(v.ClientParamsJson, '$.hid'))) AS Hid) AS h
WHERE v.MatchEmail IS NOT NULL OR h.Hid IS NOT NULL;
CREATE INDEX IX_Visit_EmailSha256 ON PiXL.Visit (EmailSha256) WHERE EmailSha256 IS NOT NULL;
CREATE INDEX IX_Visit_MatchHid ON PiXL.Visit (MatchHid) WHERE MatchHid IS NOT NULL;

-- Retention seeks each pixel's expired visits and matches by time.
CREATE INDEX IX_Visit_Retention ON PiXL.Visit (CompanyID, PiXLID, ReceivedAt);
CREATE INDEX IX_Match_Retention ON PiXL.Match (CompanyID, PiXLID, LastSeen);
-- Erasure removes a device or address only when nothing else refers to it: these make that check a seek.
CREATE INDEX IX_Visit_DeviceId ON PiXL.Visit (DeviceId);
CREATE INDEX IX_Visit_IpId ON PiXL.Visit (IpId);
-- Erasure finds a person's matches by key across every pixel.
CREATE INDEX IX_Match_MatchKey ON PiXL.Match (MatchKey);

-- One row per erasure request: the SHA-256 of the normalised email (never the address), the scope, and what was
-- removed, as JSON counts per table.
CREATE TABLE PiXL.ErasureRequest (
  ErasureId   BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT PK_ErasureRequest PRIMARY KEY CLUSTERED,
  EmailSha256 CHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
  -- NULL: every company.
  CompanyID   VARCHAR(64) NULL,
  RequestedAt DATETIME2(3) NOT NULL CONSTRAINT DF_ErasureRequest_RequestedAt DEFAULT (SYSUTCDATETIME()),
  Removed     JSON NOT NULL
);
CREATE INDEX IX_ErasureRequest_EmailSha256 ON PiXL.ErasureRequest (EmailSha256);

-- Erased people: a later hit carrying the email or its hash is erased when the ETL reaches it, never matched.
-- CompanyID '*' means every company (company ids cannot contain '*', src/capture/hit.ts ID_PATTERN).
CREATE TABLE PiXL.ErasureSuppression (
  EmailSha256    CHAR(64) COLLATE Latin1_General_100_BIN2 NOT NULL,
  CompanyID      VARCHAR(64) NOT NULL,
  ErasureId      BIGINT NOT NULL CONSTRAINT FK_ErasureSuppression_Request REFERENCES PiXL.ErasureRequest (ErasureId),
  LateHitsErased BIGINT NOT NULL CONSTRAINT DF_ErasureSuppression_LateHitsErased DEFAULT (0),
  LastErasedAt   DATETIME2(3) NULL,
  CONSTRAINT PK_ErasureSuppression PRIMARY KEY CLUSTERED (EmailSha256, CompanyID)
);

-- Where the retention sweep of the Device, IP and Visitor tables stands (it walks each by key, a batch a call).
CREATE TABLE ETL.RetentionCursor (
  TableName VARCHAR(50) NOT NULL CONSTRAINT PK_RetentionCursor PRIMARY KEY,
  LastId    BIGINT NOT NULL CONSTRAINT DF_RetentionCursor_LastId DEFAULT (0),
  LastRunAt DATETIME2(3) NULL
);
INSERT INTO ETL.RetentionCursor (TableName) VALUES ('Device'), ('IP'), ('Visitor');

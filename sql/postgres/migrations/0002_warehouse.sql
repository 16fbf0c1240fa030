-- The warehouse around PiXL.Parsed (which 0003 generates from the field catalog): configuration, the Device
-- and IP dimensions, the Visit fact, the (still empty) Match table, the ETL watermarks, the typing helpers
-- of the parse step, and the seed client. Names match sql/mssql/0002_warehouse.sql exactly.

-- Configuration ----------------------------------------------------------------------------------------

CREATE TABLE "PiXL"."Company" (
  "CompanyID"   varchar(64) NOT NULL PRIMARY KEY,
  "CompanyName" varchar(200) NOT NULL,
  "IsActive"    boolean NOT NULL DEFAULT true,
  "CreatedAt"   timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

CREATE TABLE "PiXL"."Pixel" (
  "CompanyID" varchar(64) NOT NULL REFERENCES "PiXL"."Company" ("CompanyID"),
  "PiXLID"    varchar(64) NOT NULL,
  "PixelName" varchar(200) NOT NULL,
  "IsActive"  boolean NOT NULL DEFAULT true,
  "CreatedAt" timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  PRIMARY KEY ("CompanyID", "PiXLID")
);

-- Per-pixel settings, as the original's PiXL.Config.
CREATE TABLE "PiXL"."Config" (
  "CompanyID"         varchar(64) NOT NULL,
  "PiXLID"            varchar(64) NOT NULL,
  "ExcludeLocalIP"    boolean NOT NULL DEFAULT false,
  "ExcludeAudioFP"    boolean NOT NULL DEFAULT false,
  "ExcludeCanvasFP"   boolean NOT NULL DEFAULT false,
  "ExcludeWebGLFP"    boolean NOT NULL DEFAULT false,
  "ExcludeBots"       boolean NOT NULL DEFAULT false,
  "BotScoreThreshold" integer NOT NULL DEFAULT 10,
  "RetentionDays"     integer NOT NULL DEFAULT 365,
  "MatchEmail"        boolean NOT NULL DEFAULT true,
  "MatchIP"           boolean NOT NULL DEFAULT true,
  "MatchGeo"          boolean NOT NULL DEFAULT true,
  "Notes"             varchar(1000),
  "CreatedAt"         timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  "UpdatedAt"         timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  PRIMARY KEY ("CompanyID", "PiXLID"),
  FOREIGN KEY ("CompanyID", "PiXLID") REFERENCES "PiXL"."Pixel" ("CompanyID", "PiXLID")
);

-- The DOM values a pixel's script sends as `_cp_<name>` params (the seed's phase 11 rows of PiXL.Config).
CREATE TABLE "PiXL"."ConfigClientParam" (
  "CompanyID"   varchar(64) NOT NULL,
  "PiXLID"      varchar(64) NOT NULL,
  "ParamName"   varchar(100) NOT NULL,
  "DomSelector" varchar(500) NOT NULL,
  "CreatedAt"   timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  PRIMARY KEY ("CompanyID", "PiXLID", "ParamName"),
  FOREIGN KEY ("CompanyID", "PiXLID") REFERENCES "PiXL"."Config" ("CompanyID", "PiXLID"),
  CHECK ("ParamName" LIKE '\_cp\_%')
);

-- Dimensions and facts ---------------------------------------------------------------------------------

-- One row per distinct DeviceHash, global across companies. The component values are the first hit's.
CREATE TABLE "PiXL"."Device" (
  "DeviceId"             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- SHA-256 of the UTF-8 bytes of CanvasFingerprint|DetectedFonts|GPURenderer|WebGLFingerprint|AudioFingerprintHash.
  "DeviceHash"           bytea NOT NULL UNIQUE,
  "CanvasFingerprint"    varchar(200),
  "DetectedFonts"        varchar(4000),
  "GPURenderer"          varchar(500),
  "WebGLFingerprint"     varchar(200),
  "AudioFingerprintHash" varchar(200),
  "GPUVendor"            varchar(200),
  "Platform"             varchar(100),
  "HardwareConcurrency"  integer,
  "DeviceMemoryGB"       numeric(5, 2),
  "ScreenWidth"          integer,
  "ScreenHeight"         integer,
  "ColorDepth"           integer,
  "PixelRatio"           numeric(5, 2),
  "MaxTouchPoints"       integer,
  "FirstSeen"            timestamp(3) NOT NULL,
  "LastSeen"             timestamp(3) NOT NULL,
  "HitCount"             bigint NOT NULL
);

-- IpType, IsDatacenter and DatacenterProvider are filled by the enrichment step, not by the parse.
CREATE TABLE "PiXL"."IP" (
  "IpId"               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "IPAddress"          varchar(45) NOT NULL UNIQUE,
  "IpType"             varchar(20),
  "IsDatacenter"       boolean,
  "DatacenterProvider" varchar(50),
  "FirstSeen"          timestamp(3) NOT NULL,
  "LastSeen"           timestamp(3) NOT NULL,
  "HitCount"           bigint NOT NULL
);

-- One visit per parsed hit; VisitID is the raw PiXL.Test Id, so a re-run cannot insert a visit twice.
CREATE TABLE "PiXL"."Visit" (
  "VisitID"          bigint NOT NULL PRIMARY KEY,
  "CompanyID"        varchar(64) NOT NULL,
  "PiXLID"           varchar(64) NOT NULL,
  -- No foreign keys: the parse writes these from the rows it has just upserted, and a key check would cost a
  -- lookup per visit.
  "DeviceId"         bigint,
  "IpId"             bigint,
  "ReceivedAt"       timestamp(3) NOT NULL,
  -- Every `_cp_<name>` param as "<name>": value.
  "ClientParamsJson" jsonb,
  -- The `email` client param, trimmed, ASCII letters lower-cased: a plain column so it can be indexed.
  "MatchEmail"       varchar(200),
  "CreatedAt"        timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);
CREATE INDEX "IX_Visit_MatchEmail" ON "PiXL"."Visit" ("MatchEmail") WHERE "MatchEmail" IS NOT NULL;

-- Identity matches; filled by ETL.usp_MatchVisits (a later migration).
CREATE TABLE "PiXL"."Match" (
  "MatchId"         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "CompanyID"       varchar(64) NOT NULL,
  "PiXLID"          varchar(64) NOT NULL,
  -- email | ip | geo
  "MatchType"       varchar(10) NOT NULL,
  "MatchKey"        varchar(200) NOT NULL,
  "IndividualKey"   varchar(35),
  "AddressKey"      varchar(35),
  "DeviceId"        bigint,
  "IpId"            bigint,
  "FirstVisitID"    bigint,
  "LatestVisitID"   bigint,
  "FirstSeen"       timestamp(3),
  "LastSeen"        timestamp(3),
  "HitCount"        integer NOT NULL DEFAULT 1,
  "ConfidenceScore" numeric(5, 2),
  "MatchedAt"       timestamp(3),
  CONSTRAINT "UX_Match_Key" UNIQUE ("CompanyID", "PiXLID", "MatchType", "MatchKey")
);

-- ETL bookkeeping --------------------------------------------------------------------------------------

-- The parse watermark: (LastVersion, LastVersionId) is the (TxId, Id) of the last raw row parsed; rows are
-- taken in that order and only below the snapshot's xmin. LastProcessedId is the highest Id parsed so far.
CREATE TABLE "ETL"."Watermark" (
  "ProcessName"     varchar(50) NOT NULL PRIMARY KEY,
  "LastProcessedId" bigint NOT NULL DEFAULT 0,
  "LastVersion"     xid8 NOT NULL DEFAULT '0',
  "LastVersionId"   bigint NOT NULL DEFAULT 0,
  "RowsProcessed"   bigint NOT NULL DEFAULT 0,
  "LastBatchRows"   integer NOT NULL DEFAULT 0,
  "LastRunAt"       timestamp(3)
);
INSERT INTO "ETL"."Watermark" ("ProcessName") VALUES ('ParseNewHits');

CREATE TABLE "ETL"."MatchWatermark" (
  "ProcessName"     varchar(50) NOT NULL PRIMARY KEY,
  "LastProcessedId" bigint NOT NULL DEFAULT 0,
  "LastRunAt"       timestamp(3),
  "RowsProcessed"   bigint NOT NULL DEFAULT 0,
  "RowsMatched"     bigint NOT NULL DEFAULT 0
);
INSERT INTO "ETL"."MatchWatermark" ("ProcessName") VALUES ('MatchVisits');

-- Seed: the first client ------------------------------------------------------------------------------

INSERT INTO "PiXL"."Company" ("CompanyID", "CompanyName") VALUES ('12800', 'The Trivia Quest');
INSERT INTO "PiXL"."Pixel" ("CompanyID", "PiXLID", "PixelName") VALUES ('12800', '1', 'Main');
INSERT INTO "PiXL"."Config" ("CompanyID", "PiXLID") VALUES ('12800', '1');
INSERT INTO "PiXL"."ConfigClientParam" ("CompanyID", "PiXLID", "ParamName", "DomSelector")
VALUES ('12800', '1', '_cp_email', '#email-input'), ('12800', '1', '_cp_hid', '#hashed-id');

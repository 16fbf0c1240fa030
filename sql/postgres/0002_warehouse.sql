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

-- Typing helpers of the parse: TRY_CAST-like, a bad value gives NULL and never an error. Plain SQL functions
-- that the planner inlines (one expression, volatility no higher than the body's: pg_input_is_valid is STABLE,
-- so an IMMUTABLE wrapper would not be inlined), so the parse calls no function per row. The rules
-- are the ones sql/mssql writes inline; src/warehouse/fields.ts states them and test/etl.conformance.test.ts
-- checks them on both engines. pg_input_is_valid (PostgreSQL 16+) checks syntax and range without raising
-- an error; the ltrim guard first keeps only optional-sign-and-digits texts (the type's input would also
-- take spaces, underscores and 0x/0o/0b prefixes, which SQL Server's TRY_CAST does not).

-- Optional sign and ASCII digits, at most 30 characters, within the type's range.
CREATE FUNCTION "ETL"."TryInt"(v text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ltrim(v, '+-0123456789') = '' AND length(v) <= 30 AND pg_input_is_valid(v, 'integer')
    THEN v::integer END
$$;

CREATE FUNCTION "ETL"."TryBigint"(v text) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ltrim(v, '+-0123456789') = '' AND length(v) <= 30 AND pg_input_is_valid(v, 'bigint')
    THEN v::bigint END
$$;

-- Optional sign, digits with at most one '.', rounded half away from zero to the scale (as SQL Server's CAST
-- does), NULL when the rounded value needs more than precision - scale integer digits.
CREATE FUNCTION "ETL"."TryDecimal"(v text, prec integer, scale integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(v) <= 30 AND v ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
      AND abs(round(v::numeric, scale)) < power(10::numeric, prec - scale)
      THEN round(v::numeric, scale)
  END
$$;

-- 1 / true and 0 / false, any letter case; anything else is NULL.
CREATE FUNCTION "ETL"."TryBit"(v text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE v WHEN '1' THEN true WHEN '0' THEN false
    ELSE CASE lower(v) WHEN 'true' THEN true WHEN 'false' THEN false END END
$$;

-- Trimmed of spaces, ASCII letters lower-cased, NULL when empty (the same on both engines whatever the
-- database's locale or collation).
CREATE FUNCTION "ETL"."NormalizeEmail"(v text) RETURNS varchar(200)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT nullif(left(translate(btrim(v, ' '), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), 200), '')
$$;

-- Seed: the first client ------------------------------------------------------------------------------

INSERT INTO "PiXL"."Company" ("CompanyID", "CompanyName") VALUES ('12800', 'The Trivia Quest');
INSERT INTO "PiXL"."Pixel" ("CompanyID", "PiXLID", "PixelName") VALUES ('12800', '1', 'Main');
INSERT INTO "PiXL"."Config" ("CompanyID", "PiXLID") VALUES ('12800', '1');
INSERT INTO "PiXL"."ConfigClientParam" ("CompanyID", "PiXLID", "ParamName", "DomSelector")
VALUES ('12800', '1', '_cp_email', '#email-input'), ('12800', '1', '_cp_hid', '#hashed-id');

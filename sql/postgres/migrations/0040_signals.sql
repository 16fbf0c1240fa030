-- Written by the field-catalog generator when this migration was released; frozen since, like every released
-- migration. The parse procedure lives in objects/ETL.usp_ParseNewHits.sql.

-- Known bots are decided by the writer (isbot's patterns are JavaScript regexes); NULL for older rows.
ALTER TABLE "PiXL"."Test" ADD COLUMN "IsKnownBot" boolean;

ALTER TABLE "PiXL"."Parsed" ADD COLUMN "Srv_FpDistinct" integer;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "Srv_FpObservations" integer;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "Srv_FpHitsIn5m" integer;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "Srv_FpSuspicious" boolean;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "Srv_FpHighVolume" boolean;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "Srv_FpExtremeVolume" boolean;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "Srv_FpHighRate" boolean;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "IsKnownBot" boolean;
ALTER TABLE "PiXL"."Parsed" ADD COLUMN "IsLikelyBot" boolean;

-- The look-back of the behaviour signals: one narrow row per parsed hit with an address, for the longest window
-- plus slack. Subnet is the IPv4 /24 ('a.b.c'), FpHash the canvas|webgl|audio composite.
CREATE TABLE "ETL"."RecentHit" (
  "SourceId"   bigint NOT NULL PRIMARY KEY,
  "IPAddress"  varchar(45) NOT NULL,
  "Subnet"     varchar(45),
  "ReceivedAt" timestamp(3) NOT NULL,
  "FpHash"     bytea
);
CREATE INDEX "IX_RecentHit_IP" ON "ETL"."RecentHit" ("IPAddress", "ReceivedAt", "SourceId") INCLUDE ("FpHash");
CREATE INDEX "IX_RecentHit_Subnet" ON "ETL"."RecentHit" ("Subnet", "ReceivedAt", "SourceId") INCLUDE ("IPAddress");
CREATE INDEX "IX_RecentHit_ReceivedAt" ON "ETL"."RecentHit" ("ReceivedAt");

INSERT INTO "ETL"."RecentHit" ("SourceId", "IPAddress", "Subnet", "ReceivedAt", "FpHash")
SELECT p."SourceId", p."IPAddress", CASE WHEN p."IPAddress" !~ '[^0-9.]' AND length(p."IPAddress") - length(replace(p."IPAddress", '.', '')) = 3
      THEN left(p."IPAddress", length(p."IPAddress") - strpos(reverse(p."IPAddress"), '.')) END, p."ReceivedAt",
  CASE WHEN COALESCE(p."CanvasFingerprint", p."WebGLFingerprint", p."AudioFingerprintHash") IS NOT NULL
      THEN sha256(convert_to(concat(p."CanvasFingerprint", '|', p."WebGLFingerprint", '|', p."AudioFingerprintHash"), 'UTF8')) END
FROM "PiXL"."Parsed" p
WHERE p."IPAddress" IS NOT NULL
  AND p."ReceivedAt" >= (SELECT max(x."ReceivedAt") FROM "PiXL"."Parsed" x) - interval '90000 seconds';

-- Privacy controls (docs/PRIVACY.md): per-company and per-pixel settings, the opt-out flag of a visit, the
-- indexes retention seeks, and the erasure audit and suppression list. Mirrors sql/mssql/migrations/0070_privacy.sql.

-- A company's settings apply to every pixel of the company; a pixel's PiXL.Config row can only make them
-- stricter (a flag is on when either says so; the shorter retention wins). Companies without a row: GPC honoured,
-- DNT not, addresses kept whole, RetentionDays 365.
ALTER TABLE "PiXL"."Company"
  ADD COLUMN "HonorGPC" boolean NOT NULL DEFAULT true,
  ADD COLUMN "HonorDNT" boolean NOT NULL DEFAULT false,
  ADD COLUMN "TruncateIP" boolean NOT NULL DEFAULT false,
  ADD COLUMN "RetentionDays" integer CHECK ("RetentionDays" >= 1);
ALTER TABLE "PiXL"."Config"
  ADD COLUMN "HonorGPC" boolean NOT NULL DEFAULT false,
  ADD COLUMN "HonorDNT" boolean NOT NULL DEFAULT false,
  ADD COLUMN "TruncateIP" boolean NOT NULL DEFAULT false;
ALTER TABLE "PiXL"."Config" ADD CONSTRAINT "CK_Config_RetentionDays" CHECK ("RetentionDays" >= 1);

-- The hit said "do not sell or share" (Sec-GPC: 1, or DNT: 1 where honoured): never matched, never exported,
-- its client params dropped. NULL on visits parsed before this migration.
ALTER TABLE "PiXL"."Visit" ADD COLUMN "PrivacyOptOut" boolean;
-- The person a visit names, as hashes, so erasure finds their visits with index seeks: the SHA-256 of MatchEmail,
-- and the `hid` client param when it is 64 hex digits (lower-cased). NULL when opted out, like the email.
ALTER TABLE "PiXL"."Visit" ADD COLUMN "EmailSha256" char(64), ADD COLUMN "MatchHid" char(64);
UPDATE "PiXL"."Visit" SET
  "EmailSha256" = "PiXL"."EmailSha256"("MatchEmail"),
  "MatchHid" = CASE WHEN lower(btrim("ClientParamsJson" ->> 'hid', E' \t\r\n')) ~ '^[0-9a-f]{64}$'
    THEN lower(btrim("ClientParamsJson" ->> 'hid', E' \t\r\n')) END
WHERE "MatchEmail" IS NOT NULL OR "ClientParamsJson" ? 'hid';
CREATE INDEX "IX_Visit_EmailSha256" ON "PiXL"."Visit" ("EmailSha256") WHERE "EmailSha256" IS NOT NULL;
CREATE INDEX "IX_Visit_MatchHid" ON "PiXL"."Visit" ("MatchHid") WHERE "MatchHid" IS NOT NULL;

-- Retention seeks each pixel's expired visits and matches by time.
CREATE INDEX "IX_Visit_Retention" ON "PiXL"."Visit" ("CompanyID", "PiXLID", "ReceivedAt");
CREATE INDEX "IX_Match_Retention" ON "PiXL"."Match" ("CompanyID", "PiXLID", "LastSeen");
-- Erasure removes a device or address only when nothing else refers to it: these make that check a seek.
CREATE INDEX "IX_Visit_DeviceId" ON "PiXL"."Visit" ("DeviceId");
CREATE INDEX "IX_Visit_IpId" ON "PiXL"."Visit" ("IpId");
-- Erasure finds a person's matches by key across every pixel.
CREATE INDEX "IX_Match_MatchKey" ON "PiXL"."Match" ("MatchKey");

-- One row per erasure request: the SHA-256 of the normalised email (never the address), the scope, and what was
-- removed, as JSON counts per table.
CREATE TABLE "PiXL"."ErasureRequest" (
  "ErasureId"   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "EmailSha256" char(64) NOT NULL,
  -- NULL: every company.
  "CompanyID"   varchar(64),
  "RequestedAt" timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  "Removed"     jsonb NOT NULL
);
CREATE INDEX "IX_ErasureRequest_EmailSha256" ON "PiXL"."ErasureRequest" ("EmailSha256");

-- Erased people: a later hit carrying the email or its hash is erased when the ETL reaches it, never matched.
-- CompanyID '*' means every company (company ids cannot contain '*', src/capture/hit.ts ID_PATTERN).
CREATE TABLE "PiXL"."ErasureSuppression" (
  "EmailSha256"    char(64) NOT NULL,
  "CompanyID"      varchar(64) NOT NULL,
  "ErasureId"      bigint NOT NULL REFERENCES "PiXL"."ErasureRequest" ("ErasureId"),
  "LateHitsErased" bigint NOT NULL DEFAULT 0,
  "LastErasedAt"   timestamp(3),
  PRIMARY KEY ("EmailSha256", "CompanyID")
);

-- Where the retention sweep of the Device, IP and Visitor tables stands (it walks each by key, a batch a call).
CREATE TABLE "ETL"."RetentionCursor" (
  "TableName" varchar(50) NOT NULL PRIMARY KEY,
  "LastId"    bigint NOT NULL DEFAULT 0,
  "LastRunAt" timestamp(3)
);
INSERT INTO "ETL"."RetentionCursor" ("TableName") VALUES ('Device'), ('IP'), ('Visitor');

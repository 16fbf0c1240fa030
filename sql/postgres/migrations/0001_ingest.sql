-- Schemas and the raw hit table. Identifiers are quoted so every name matches SQL Server exactly.
CREATE SCHEMA IF NOT EXISTS "PiXL";
CREATE SCHEMA IF NOT EXISTS "ETL";

CREATE TABLE "PiXL"."Test" (
  "Id"             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- UUIDv7 made at capture; the writer is idempotent on it (queue delivery is at-least-once).
  "HitId"          uuid NOT NULL,
  -- pixel | beacon | legacy (a bare <img> hit without a query string)
  "HitType"        varchar(10) NOT NULL,
  "CompanyID"      varchar(64) NOT NULL,
  "PiXLID"         varchar(64) NOT NULL,
  "IPAddress"      varchar(45),
  "RequestPath"    varchar(4000),
  -- Everything after '?', verbatim; QueryTruncated when it was cut at MAX_QUERY_STRING_BYTES.
  "QueryString"    text,
  "QueryTruncated" boolean NOT NULL DEFAULT false,
  -- The decoded parameters (first value of each key), for the ETL to shred inside the database.
  "ParamsJson"     jsonb NOT NULL,
  "HeadersJson"    jsonb NOT NULL,
  "UserAgent"      varchar(2000),
  "Referer"        varchar(2000),
  -- UTC, as datetime2(3) on SQL Server.
  "ReceivedAt"     timestamp(3) NOT NULL,
  "InsertedAt"     timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
  -- The inserting transaction: rows are visible to the ETL only once every older transaction has finished
  -- (see ETL.usp_ParseNewHits), so identity values committed out of order are never skipped.
  "TxId"           xid8 NOT NULL DEFAULT pg_current_xact_id()
);

-- The wide values are stored out of line without pglz compression: on the ~8 KB rows of a realistic hit,
-- compression cost more CPU than it saved (bench:ingest: ~6,500 -> ~10,000 rows/s on 2 cores).
ALTER TABLE "PiXL"."Test" ALTER COLUMN "QueryString" SET STORAGE EXTERNAL;
ALTER TABLE "PiXL"."Test" ALTER COLUMN "ParamsJson" SET STORAGE EXTERNAL;
ALTER TABLE "PiXL"."Test" ALTER COLUMN "HeadersJson" SET STORAGE EXTERNAL;

CREATE UNIQUE INDEX "UX_Test_HitId" ON "PiXL"."Test" ("HitId");
CREATE INDEX "IX_Test_TxId" ON "PiXL"."Test" ("TxId", "Id");

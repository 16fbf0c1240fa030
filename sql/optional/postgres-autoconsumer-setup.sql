-- Optional, run by a DBA: prepares an EXISTING consumer table for SmartPiXL's matching, then SmartPiXL's setup
-- points the view "PiXL"."AutoConsumerSource" at it (AUTOCONSUMER_TABLE=schema.table, then
-- `npm run db:consumer-source`).
--
-- Matching reads "RecordID", "IndividualKey", "AddressKey", "EMailNorm" and "EMailSha256" and seeks
-- ("EMailNorm", "RecordID") and ("EMailSha256", "RecordID"); every pass also reads max("RecordID") and the records
-- after the last one it saw, which needs an index leading on "RecordID" (the last statement below, for a table
-- without one: without it each pass, every minute, scans the whole table). Edit the table name. The database must
-- be UTF8.
--
-- In another database: run this script there, then in the SmartPiXL database import the table with
-- postgres_fdw (IMPORT FOREIGN SCHEMA ... LIMIT TO ("AutoConsumer") FROM SERVER consumers INTO consumer_remote)
-- and set AUTOCONSUMER_TABLE=consumer_remote.AutoConsumer: the equality lookups are pushed down to the remote
-- indexes (set use_remote_estimate 'true' on the server).
--
-- Size: adding STORED generated columns rewrites the table once (hours for hundreds of millions of rows,
-- and twice its size free on disk); the partial indexes hold only rows with an email. CONCURRENTLY builds them
-- without blocking writers (it cannot run inside a transaction block).
-- The functions must stay exactly those of sql/postgres/0030_autoconsumer.sql: they define the hash clients
-- send as _cp_hid.

CREATE SCHEMA IF NOT EXISTS "PiXL";

CREATE OR REPLACE FUNCTION "PiXL"."NormaliseEmail"(email text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN NULLIF(lower(btrim(email, E' \t\r\n') COLLATE "C"), '');

CREATE OR REPLACE FUNCTION "PiXL"."EmailSha256"(email text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN encode(sha256(convert_to("PiXL"."NormaliseEmail"(email), 'UTF8')), 'hex');

ALTER TABLE public."AutoConsumer"
  ADD COLUMN "EMailNorm" varchar(255) GENERATED ALWAYS AS ("PiXL"."NormaliseEmail"("EMail")) STORED,
  ADD COLUMN "EMailSha256" varchar(64) GENERATED ALWAYS AS ("PiXL"."EmailSha256"("EMail")) STORED;

CREATE INDEX CONCURRENTLY "IX_AutoConsumer_EMailNorm" ON public."AutoConsumer" ("EMailNorm", "RecordID")
  INCLUDE ("IndividualKey", "AddressKey") WHERE "EMailNorm" IS NOT NULL;
CREATE INDEX CONCURRENTLY "IX_AutoConsumer_EMailSha256" ON public."AutoConsumer" ("EMailSha256", "RecordID")
  INCLUDE ("IndividualKey", "AddressKey") WHERE "EMailSha256" IS NOT NULL;

-- Only if no index leads on "RecordID" yet (a primary key on it is one):
-- CREATE INDEX CONCURRENTLY "IX_AutoConsumer_RecordID" ON public."AutoConsumer" ("RecordID");

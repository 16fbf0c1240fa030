-- AutoConsumer: the consumer file identity matching looks emails up in. In production it is an existing table
-- (hundreds of millions of rows, often in another database); locally and in tests this migration creates one.
-- Procedures never name the table: they read "PiXL"."AutoConsumerSource", a view that setup re-points at the
-- table named by AUTOCONSUMER_TABLE (src/identity/consumerSource.ts). sql/optional/postgres-autoconsumer-setup.sql
-- adds the columns and indexes below to a foreign consumer table.

-- The one definition of a normalised email (mirrored by src/identity/email.ts and the T-SQL migration):
-- surrounding spaces, tabs, CR and LF trimmed, ASCII A-Z lower-cased (COLLATE "C" makes lower() ASCII-only
-- whatever the database locale), NULL when nothing is left. Not STRICT: a non-strict one-expression SQL
-- function is inlined by the planner, which halves its cost per row (NULL in still gives NULL out).
CREATE FUNCTION "PiXL"."NormaliseEmail"(email text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN NULLIF(lower(btrim(email, E' \t\r\n') COLLATE "C"), '');

-- Lowercase hex SHA-256 of the normalised email's UTF-8 bytes. convert_to() is only STABLE in the catalogue;
-- in a UTF8 database it is a fixed byte copy, so IMMUTABLE is true here (the check below enforces UTF8).
CREATE FUNCTION "PiXL"."EmailSha256"(email text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN encode(sha256(convert_to("PiXL"."NormaliseEmail"(email), 'UTF8')), 'hex');

DO $$
BEGIN
  IF current_setting('server_encoding') <> 'UTF8' THEN
    RAISE EXCEPTION 'SmartPiXL needs a UTF8 database (email hashes are SHA-256 of UTF-8 bytes)';
  END IF;
END $$;

CREATE TABLE public."AutoConsumer" (
  "RecordID"      bigint NOT NULL CONSTRAINT "PK_AutoConsumer" PRIMARY KEY,
  "IndividualKey" varchar(35),
  "AddressKey"    varchar(35),
  "FirstName"     varchar(50),
  "MiddleInitial" varchar(1),
  "LastName"      varchar(50),
  "Address1"      varchar(100),
  "Address2"      varchar(100),
  "City"          varchar(50),
  "State"         varchar(2),
  "Zip"           varchar(5),
  "Zip4"          varchar(4),
  "Phone"         varchar(10),
  -- As the file has it: mixed case, stray spaces, sometimes junk.
  "EMail"         varchar(255),
  "EMailNorm"     varchar(255) GENERATED ALWAYS AS ("PiXL"."NormaliseEmail"("EMail")) STORED,
  "EMailSha256"   varchar(64) GENERATED ALWAYS AS ("PiXL"."EmailSha256"("EMail")) STORED
);

-- The reference's index on the raw column, kept for compatibility with queries written against the original.
CREATE INDEX "IX_AutoConsumer_EMail" ON public."AutoConsumer" ("EMail") INCLUDE ("IndividualKey", "AddressKey")
  WHERE "EMail" IS NOT NULL;
-- Matching seeks these: newest record of an email = last entry of its (key, RecordID) range.
CREATE INDEX "IX_AutoConsumer_EMailNorm" ON public."AutoConsumer" ("EMailNorm", "RecordID")
  INCLUDE ("IndividualKey", "AddressKey") WHERE "EMailNorm" IS NOT NULL;
CREATE INDEX "IX_AutoConsumer_EMailSha256" ON public."AutoConsumer" ("EMailSha256", "RecordID")
  INCLUDE ("IndividualKey", "AddressKey") WHERE "EMailSha256" IS NOT NULL;

CREATE VIEW "PiXL"."AutoConsumerSource" AS
  SELECT "RecordID", "IndividualKey", "AddressKey", "EMail", "EMailNorm", "EMailSha256" FROM public."AutoConsumer";

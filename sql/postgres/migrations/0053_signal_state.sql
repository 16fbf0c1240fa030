-- The look-back of the behaviour signals with running counts: ETL.SignalHit replaces ETL.RecentHit. Each row
-- carries its address's and its /24's running hit count in (ReceivedAt, SourceId) order (IpSeq, SubnetSeq), so
-- the parse counts a window's hits as the difference of two index seeks instead of reading the window
-- (scripts/sqlgen/postgresSignals.ts). The rows of ETL.RecentHit are kept, numbered here.
CREATE TABLE "ETL"."SignalHit" (
  "SourceId"   bigint NOT NULL PRIMARY KEY,
  "IPAddress"  varchar(45) NOT NULL,
  "Subnet"     varchar(45),
  "ReceivedAt" timestamp(3) NOT NULL,
  "FpHash"     bytea,
  "IpSeq"      bigint NOT NULL,
  "SubnetSeq"  bigint
);

INSERT INTO "ETL"."SignalHit" ("SourceId", "IPAddress", "Subnet", "ReceivedAt", "FpHash", "IpSeq", "SubnetSeq")
SELECT r."SourceId", r."IPAddress", r."Subnet", r."ReceivedAt", r."FpHash",
  row_number() OVER (PARTITION BY r."IPAddress" ORDER BY r."ReceivedAt", r."SourceId"),
  CASE WHEN r."Subnet" IS NOT NULL
    THEN row_number() OVER (PARTITION BY r."Subnet" ORDER BY r."ReceivedAt", r."SourceId") END
FROM "ETL"."RecentHit" r;

CREATE INDEX "IX_SignalHit_IP" ON "ETL"."SignalHit" ("IPAddress", "ReceivedAt", "SourceId") INCLUDE ("IpSeq", "FpHash");
CREATE INDEX "IX_SignalHit_Subnet" ON "ETL"."SignalHit" ("Subnet", "ReceivedAt", "SourceId") INCLUDE ("SubnetSeq", "IPAddress");
-- Pruning finds old rows by minute: an expression no signal query names, so the planner can never answer a
-- signal's ORDER BY "ReceivedAt" … LIMIT from it (it would sort the whole window instead of seeking).
CREATE INDEX "IX_SignalHit_Minute" ON "ETL"."SignalHit" (date_trunc('minute', "ReceivedAt"));

-- ETL.RecentHit is emptied, not dropped: npm run check:tsql validates every migration's statements against the
-- final schema, so a drop would make released migration 0040's statements unresolvable. A later migration can
-- drop it once the check validates each statement against the schema as of its position.
TRUNCATE TABLE "ETL"."RecentHit";

-- Identity matching (ETL.usp_MatchVisits): visits with an email or a hashed email resolve to the newest
-- AutoConsumer record (read through "PiXL"."AutoConsumerSource", see 0030), matches are kept per pixel and key
-- in "PiXL"."Match", every visit is linked once to its match (so re-processing counts nothing twice), and
-- people seen on several devices become one "PiXL"."Visitor". Mirrors sql/mssql/0031_match_visits.sql.

-- The order visits were written in. VisitID is the raw hit Id, which the parse takes in commit order, not Id
-- order; the parse runs one batch at a time (an exclusive lock), so this identity only grows in commit order
-- and a watermark on it never passes over a visit.
ALTER TABLE "PiXL"."Visit" ADD COLUMN "MatchSeq" bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX "UX_Visit_MatchSeq" ON "PiXL"."Visit" ("MatchSeq");

-- LastMatchSeq is the last Visit.MatchSeq processed (the cursor); LastProcessedId keeps the reference's
-- meaning, the highest VisitID processed so far (the health view's MatchLag). ConsumerRecordId is the highest
-- AutoConsumer RecordID seen: when the file grows past it, unresolved matches are looked up again.
ALTER TABLE "ETL"."MatchWatermark"
  ADD COLUMN "LastMatchSeq" bigint NOT NULL DEFAULT 0,
  ADD COLUMN "ConsumerRecordId" bigint NOT NULL DEFAULT 0,
  ADD COLUMN "RowsLateMatched" bigint NOT NULL DEFAULT 0;

CREATE INDEX "IX_Match_Pending" ON "PiXL"."Match" ("MatchType", "MatchKey") WHERE "IndividualKey" IS NULL;
CREATE INDEX "IX_Match_IndividualKey" ON "PiXL"."Match" ("IndividualKey") WHERE "IndividualKey" IS NOT NULL;

-- Which visits a match counted: one row per visit and match type. Only usp_MatchVisits writes it and Match
-- rows are never deleted, so MatchId has no foreign key (its per-row check was a tenth of a batch's time).
CREATE TABLE "PiXL"."MatchVisit" (
  "VisitID"   bigint NOT NULL,
  "MatchType" varchar(10) NOT NULL,
  "MatchId"   bigint NOT NULL,
  PRIMARY KEY ("VisitID", "MatchType")
);
CREATE INDEX "IX_MatchVisit_MatchId" ON "PiXL"."MatchVisit" ("MatchId", "VisitID");

-- One person (IndividualKey) across devices, and the devices each was seen on.
CREATE TABLE "PiXL"."Visitor" (
  "VisitorId"     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "IndividualKey" varchar(35) NOT NULL CONSTRAINT "UX_Visitor_IndividualKey" UNIQUE,
  "FirstSeen"     timestamp(3) NOT NULL,
  "LastSeen"      timestamp(3) NOT NULL,
  "CreatedAt"     timestamp(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);

CREATE TABLE "PiXL"."VisitorDevice" (
  "VisitorId" bigint NOT NULL REFERENCES "PiXL"."Visitor" ("VisitorId"),
  "DeviceId"  bigint NOT NULL REFERENCES "PiXL"."Device" ("DeviceId"),
  "FirstSeen" timestamp(3) NOT NULL,
  "LastSeen"  timestamp(3) NOT NULL,
  PRIMARY KEY ("VisitorId", "DeviceId")
);
CREATE INDEX "IX_VisitorDevice_DeviceId" ON "PiXL"."VisitorDevice" ("DeviceId");

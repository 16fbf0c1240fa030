-- Identity matching (ETL.usp_MatchVisits): visits with an email or a hashed email resolve to the newest
-- AutoConsumer record (read through the synonym PiXL.AutoConsumerSource, see 0030), matches are kept per pixel
-- and key in PiXL.Match, every visit is linked once to its match (so re-processing counts nothing twice), and
-- people seen on several devices become one PiXL.Visitor. Mirrors sql/postgres/0031_match_visits.sql.

-- The order visits were written in. VisitID is the raw hit Id, which the parse takes in commit order, not Id
-- order; the parse runs one batch at a time (an exclusive app lock), so this identity only grows in commit
-- order and a watermark on it never passes over a visit.
ALTER TABLE PiXL.Visit ADD MatchSeq BIGINT IDENTITY(1, 1) NOT NULL;

-- LastMatchSeq is the last Visit.MatchSeq processed (the cursor); LastProcessedId keeps the reference's
-- meaning, the highest VisitID processed so far (the health view's MatchLag). ConsumerRecordId is the highest
-- AutoConsumer RecordID seen: when the file grows past it, unresolved matches are looked up again.
ALTER TABLE ETL.MatchWatermark ADD
  LastMatchSeq     BIGINT NOT NULL CONSTRAINT DF_MatchWatermark_LastMatchSeq DEFAULT (0),
  ConsumerRecordId BIGINT NOT NULL CONSTRAINT DF_MatchWatermark_ConsumerRecordId DEFAULT (0),
  RowsLateMatched  BIGINT NOT NULL CONSTRAINT DF_MatchWatermark_RowsLateMatched DEFAULT (0);
GO

CREATE UNIQUE NONCLUSTERED INDEX UX_Visit_MatchSeq ON PiXL.Visit (MatchSeq);
CREATE NONCLUSTERED INDEX IX_Match_Pending ON PiXL.Match (MatchType, MatchKey) WHERE IndividualKey IS NULL;
CREATE NONCLUSTERED INDEX IX_Match_IndividualKey ON PiXL.Match (IndividualKey) WHERE IndividualKey IS NOT NULL;

-- Which visits a match counted: one row per visit and match type. Only usp_MatchVisits writes it and Match
-- rows are never deleted, so MatchId has no foreign key (as on PostgreSQL, where its check was costly).
CREATE TABLE PiXL.MatchVisit (
  VisitID   BIGINT NOT NULL,
  MatchType VARCHAR(10) NOT NULL,
  MatchId   BIGINT NOT NULL,
  CONSTRAINT PK_MatchVisit PRIMARY KEY CLUSTERED (VisitID, MatchType)
);
CREATE NONCLUSTERED INDEX IX_MatchVisit_MatchId ON PiXL.MatchVisit (MatchId, VisitID);

-- One person (IndividualKey) across devices, and the devices each was seen on.
CREATE TABLE PiXL.Visitor (
  VisitorId     BIGINT IDENTITY(1, 1) NOT NULL CONSTRAINT PK_Visitor PRIMARY KEY CLUSTERED,
  IndividualKey VARCHAR(35) NOT NULL CONSTRAINT UX_Visitor_IndividualKey UNIQUE,
  FirstSeen     DATETIME2(3) NOT NULL,
  LastSeen      DATETIME2(3) NOT NULL,
  CreatedAt     DATETIME2(3) NOT NULL CONSTRAINT DF_Visitor_CreatedAt DEFAULT (SYSUTCDATETIME())
);

CREATE TABLE PiXL.VisitorDevice (
  VisitorId BIGINT NOT NULL CONSTRAINT FK_VisitorDevice_Visitor REFERENCES PiXL.Visitor (VisitorId),
  DeviceId  BIGINT NOT NULL CONSTRAINT FK_VisitorDevice_Device REFERENCES PiXL.Device (DeviceId),
  FirstSeen DATETIME2(3) NOT NULL,
  LastSeen  DATETIME2(3) NOT NULL,
  CONSTRAINT PK_VisitorDevice PRIMARY KEY CLUSTERED (VisitorId, DeviceId)
);
CREATE NONCLUSTERED INDEX IX_VisitorDevice_DeviceId ON PiXL.VisitorDevice (DeviceId);
GO

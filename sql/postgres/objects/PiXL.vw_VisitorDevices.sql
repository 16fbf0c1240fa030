-- A visitor's devices with the visits seen from each.
CREATE OR REPLACE VIEW "PiXL"."vw_VisitorDevices" AS
SELECT vr."VisitorId", vr."IndividualKey", vd."DeviceId",
  count(DISTINCT v."VisitID") AS "VisitCount", min(v."ReceivedAt") AS "FirstSeen", max(v."ReceivedAt") AS "LastSeen"
FROM "PiXL"."Visitor" vr
JOIN "PiXL"."VisitorDevice" vd ON vd."VisitorId" = vr."VisitorId"
JOIN "PiXL"."Match" m ON m."IndividualKey" = vr."IndividualKey"
JOIN "PiXL"."MatchVisit" mv ON mv."MatchId" = m."MatchId"
JOIN "PiXL"."Visit" v ON v."VisitID" = mv."VisitID" AND v."DeviceId" = vd."DeviceId"
GROUP BY vr."VisitorId", vr."IndividualKey", vd."DeviceId";

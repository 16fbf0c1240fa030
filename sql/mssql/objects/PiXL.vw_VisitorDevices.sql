-- A visitor's devices with the visits seen from each.
CREATE OR ALTER VIEW PiXL.vw_VisitorDevices AS
SELECT vr.VisitorId, vr.IndividualKey, vd.DeviceId,
  COUNT(DISTINCT v.VisitID) AS VisitCount, MIN(v.ReceivedAt) AS FirstSeen, MAX(v.ReceivedAt) AS LastSeen
FROM PiXL.Visitor AS vr
JOIN PiXL.VisitorDevice AS vd ON vd.VisitorId = vr.VisitorId
JOIN PiXL.Match AS m ON m.IndividualKey = vr.IndividualKey
JOIN PiXL.MatchVisit AS mv ON mv.MatchId = m.MatchId
JOIN PiXL.Visit AS v ON v.VisitID = mv.VisitID AND v.DeviceId = vd.DeviceId
GROUP BY vr.VisitorId, vr.IndividualKey, vd.DeviceId;
GO

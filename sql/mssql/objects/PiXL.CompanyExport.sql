-- A company's export: one row per resolved match of each of its visits, never a visit that opted out
-- (PrivacyOptOut), and nothing read from another company's rows: the visits, their match links and the
-- matches are all filtered on the company, so a device or address two companies share reveals nothing of the
-- other. The only client read path of identities (docs/PRIVACY.md). Mirrors the PostgreSQL file.
CREATE OR ALTER FUNCTION PiXL.CompanyExport (@ForCompanyID VARCHAR(64))
RETURNS TABLE
AS
RETURN
  SELECT v.VisitID, v.PiXLID, v.ReceivedAt, m.MatchType, m.IndividualKey, m.AddressKey, v.DeviceId, ip.IPAddress
  FROM PiXL.Visit AS v
  JOIN PiXL.MatchVisit AS mv ON mv.VisitID = v.VisitID
  JOIN PiXL.Match AS m ON m.MatchId = mv.MatchId AND m.CompanyID = @ForCompanyID
  LEFT JOIN PiXL.IP AS ip ON ip.IpId = v.IpId
  WHERE v.CompanyID = @ForCompanyID AND ISNULL(v.PrivacyOptOut, 0) = 0 AND m.IndividualKey IS NOT NULL;
GO

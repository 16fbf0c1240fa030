-- A company's export: one row per resolved match of each of its visits, never a visit that opted out
-- (PrivacyOptOut), and nothing read from another company's rows: the visits, their match links and the
-- matches are all filtered on the company, so a device or address two companies share reveals nothing of the
-- other. The only client read path of identities (docs/PRIVACY.md). Mirrors the T-SQL file.
CREATE OR REPLACE FUNCTION "PiXL"."CompanyExport"("ForCompanyID" text)
RETURNS TABLE (
  "VisitID" bigint, "PiXLID" varchar(64), "ReceivedAt" timestamp(3), "MatchType" varchar(10),
  "IndividualKey" varchar(35), "AddressKey" varchar(35), "DeviceId" bigint, "IPAddress" varchar(45)
)
LANGUAGE sql STABLE AS $fn$
  SELECT v."VisitID", v."PiXLID", v."ReceivedAt", m."MatchType", m."IndividualKey", m."AddressKey", v."DeviceId",
    ip."IPAddress"
  FROM "PiXL"."Visit" v
  JOIN "PiXL"."MatchVisit" mv ON mv."VisitID" = v."VisitID"
  JOIN "PiXL"."Match" m ON m."MatchId" = mv."MatchId" AND m."CompanyID" = "ForCompanyID"
  LEFT JOIN "PiXL"."IP" ip ON ip."IpId" = v."IpId"
  WHERE v."CompanyID" = "ForCompanyID" AND NOT coalesce(v."PrivacyOptOut", false) AND m."IndividualKey" IS NOT NULL
$fn$;

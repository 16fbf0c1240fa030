-- The privacy settings in force for every configured pixel (docs/PRIVACY.md): a company's PiXL.Company settings,
-- made stricter by the pixel's PiXL.Config row (a flag is on when either says so; the shorter retention wins;
-- 365 days when neither sets one). Pixels of a company without a Config row get the company's settings. For
-- reports and support; the writer (src/privacy/settings.ts), the parse and retention apply the same rule.
CREATE OR REPLACE VIEW "PiXL"."vw_PrivacySettings" AS
SELECT p."CompanyID", p."PiXLID",
  (co."HonorGPC" OR coalesce(cf."HonorGPC", false)) AS "HonorGPC",
  (co."HonorDNT" OR coalesce(cf."HonorDNT", false)) AS "HonorDNT",
  (co."TruncateIP" OR coalesce(cf."TruncateIP", false)) AS "TruncateIP",
  coalesce(LEAST(co."RetentionDays", cf."RetentionDays"), 365) AS "RetentionDays"
FROM "PiXL"."Pixel" p
JOIN "PiXL"."Company" co ON co."CompanyID" = p."CompanyID"
LEFT JOIN "PiXL"."Config" cf ON cf."CompanyID" = p."CompanyID" AND cf."PiXLID" = p."PiXLID";

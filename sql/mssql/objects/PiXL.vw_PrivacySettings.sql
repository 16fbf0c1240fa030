-- The privacy settings in force for every configured pixel (docs/PRIVACY.md): a company's PiXL.Company settings,
-- made stricter by the pixel's PiXL.Config row (a flag is on when either says so; the shorter retention wins;
-- 365 days when neither sets one). Pixels of a company without a Config row get the company's settings. For
-- reports and support; the writer (src/privacy/settings.ts), the parse and retention apply the same rule.
CREATE OR ALTER VIEW PiXL.vw_PrivacySettings AS
SELECT p.CompanyID, p.PiXLID,
  CAST(CASE WHEN co.HonorGPC = 1 OR cf.HonorGPC = 1 THEN 1 ELSE 0 END AS BIT) AS HonorGPC,
  CAST(CASE WHEN co.HonorDNT = 1 OR cf.HonorDNT = 1 THEN 1 ELSE 0 END AS BIT) AS HonorDNT,
  CAST(CASE WHEN co.TruncateIP = 1 OR cf.TruncateIP = 1 THEN 1 ELSE 0 END AS BIT) AS TruncateIP,
  COALESCE(LEAST(co.RetentionDays, cf.RetentionDays), 365) AS RetentionDays
FROM PiXL.Pixel AS p
JOIN PiXL.Company AS co ON co.CompanyID = p.CompanyID
LEFT JOIN PiXL.Config AS cf ON cf.CompanyID = p.CompanyID AND cf.PiXLID = p.PiXLID;
GO

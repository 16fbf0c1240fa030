/**
 * The parse's privacy rule, for both engines (docs/PRIVACY.md): a hit is opted out when it carries
 * `Sec-GPC: 1` and its company or pixel honours GPC (companies honour it unless PiXL.Company.HonorGPC is off),
 * or `DNT: 1` where DNT is honoured. Its visit keeps no client params and no email, and is flagged
 * PrivacyOptOut so matching and exports pass it by. src/privacy/settings.ts is the writer's twin of the rule.
 */

/** PostgreSQL: the header values, read in the batch CTE (`t` is PiXL.Test). */
export const postgresBatchHeaders = `btrim(t."HeadersJson" ->> 'Sec-GPC') AS gpc_header, btrim(t."HeadersJson" ->> 'DNT') AS dnt_header`;

/** PostgreSQL: joins that give `pv.opt_out` for a parsed row `p` of batch row `b`. */
export const postgresOptOutJoins = `    LEFT JOIN "PiXL"."Company" pco ON pco."CompanyID" = p."CompanyID"
    LEFT JOIN "PiXL"."Config" pcf ON pcf."CompanyID" = p."CompanyID" AND pcf."PiXLID" = p."PiXLID"
    CROSS JOIN LATERAL (SELECT COALESCE(
      (b.gpc_header = '1' AND (COALESCE(pco."HonorGPC", true) OR COALESCE(pcf."HonorGPC", false)))
      OR (b.dnt_header = '1' AND (COALESCE(pco."HonorDNT", false) OR COALESCE(pcf."HonorDNT", false))),
      false) AS opt_out) pv`;

/** SQL Server: the header values, read into #batch (`t` is PiXL.Test). */
export const mssqlBatchHeaders = `TRIM(JSON_VALUE(t.HeadersJson, '$."Sec-GPC"')) AS GpcHeader, TRIM(JSON_VALUE(t.HeadersJson, '$.DNT')) AS DntHeader`;

/** SQL Server: applies that give `pv.OptOut` for a #parsed row `p` (joined to its #batch row `bt`). */
export const mssqlOptOutJoins = `  JOIN #batch bt ON bt.Id = p.SourceId
  LEFT JOIN PiXL.Company pco ON pco.CompanyID = p.CompanyID
  LEFT JOIN PiXL.Config pcf ON pcf.CompanyID = p.CompanyID AND pcf.PiXLID = p.PiXLID
  CROSS APPLY (SELECT CAST(CASE
    WHEN bt.GpcHeader = N'1' AND (COALESCE(pco.HonorGPC, 1) = 1 OR COALESCE(pcf.HonorGPC, 0) = 1) THEN 1
    WHEN bt.DntHeader = N'1' AND (COALESCE(pco.HonorDNT, 0) = 1 OR COALESCE(pcf.HonorDNT, 0) = 1) THEN 1
    ELSE 0 END AS BIT) AS OptOut) pv`;

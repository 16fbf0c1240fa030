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
  CROSS APPLY (SELECT LOWER(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13))
    FROM JSON_VALUE(p.ClientParamsJson, '$.hid'))) AS Hid) h
  CROSS APPLY (SELECT CAST(CASE
    WHEN bt.GpcHeader = N'1' AND (COALESCE(pco.HonorGPC, 1) = 1 OR COALESCE(pcf.HonorGPC, 0) = 1) THEN 1
    WHEN bt.DntHeader = N'1' AND (COALESCE(pco.HonorDNT, 0) = 1 OR COALESCE(pcf.HonorDNT, 0) = 1) THEN 1
    ELSE 0 END AS BIT) AS OptOut) pv`;

/**
 * PostgreSQL: Visit.EmailSha256 and Visit.MatchHid (the person as hashes, for erasure's index seeks), NULL when
 * opted out. The hid rule is src/identity/email.ts normaliseEmailHash.
 */
export const postgresPersonHashes = `      CASE WHEN NOT pv.opt_out THEN "PiXL"."EmailSha256"(left("PiXL"."NormaliseEmail"(b.client_params ->> 'email'), 200)) END,
      CASE WHEN NOT pv.opt_out AND lower(btrim(b.client_params ->> 'hid', E' \\t\\r\\n')) ~ '^[0-9a-f]{64}$'
        THEN lower(btrim(b.client_params ->> 'hid', E' \\t\\r\\n')) END`;

/** SQL Server: the same two values for a #parsed row `p` (its JSON client params) and opt-out `pv`. */
export const mssqlPersonHashes = `    CASE WHEN pv.OptOut = 0 THEN PiXL.EmailSha256(p.MatchEmail) END,
    CASE WHEN pv.OptOut = 0 AND LEN(h.Hid) = 64 AND h.Hid COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9a-f]%'
      THEN CONVERT(CHAR(64), h.Hid) END`;

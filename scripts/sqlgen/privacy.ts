/**
 * The parse's privacy rule, for both engines (docs/PRIVACY.md): a hit is opted out when it carries
 * `Sec-GPC: 1` and its company or pixel honours GPC (companies honour it unless PiXL.Company.HonorGPC is off),
 * or `DNT: 1` where DNT is honoured. Its visit keeps no client params and no email, and is flagged
 * PrivacyOptOut so matching and exports pass it by. src/privacy/settings.ts is the writer's twin of the rule.
 */

/**
 * PostgreSQL: `opt_out` of a raw row `t`, in the batch CTE's select list: evaluated only for the rows the batch
 * takes, with a key lookup of the company and pixel only when a header says 1. Kept out of the visit insert's
 * joins, whose plan (the Device and IP upserts are CTE scans there) must not change shape.
 */
export const postgresBatchOptOut = `CASE
        WHEN btrim(t."HeadersJson" ->> 'Sec-GPC') = '1'
          AND (COALESCE((SELECT co."HonorGPC" FROM "PiXL"."Company" co WHERE co."CompanyID" = t."CompanyID"), true)
            OR COALESCE((SELECT cf."HonorGPC" FROM "PiXL"."Config" cf
              WHERE cf."CompanyID" = t."CompanyID" AND cf."PiXLID" = t."PiXLID"), false)) THEN true
        WHEN btrim(t."HeadersJson" ->> 'DNT') = '1'
          AND (COALESCE((SELECT co."HonorDNT" FROM "PiXL"."Company" co WHERE co."CompanyID" = t."CompanyID"), false)
            OR COALESCE((SELECT cf."HonorDNT" FROM "PiXL"."Config" cf
              WHERE cf."CompanyID" = t."CompanyID" AND cf."PiXLID" = t."PiXLID"), false)) THEN true
        ELSE false END AS opt_out`;

/** SQL Server: `OptOut` of a raw row `t`, read into #batch the same way. */
export const mssqlBatchOptOut = `CAST(CASE
      WHEN TRIM(JSON_VALUE(t.HeadersJson, '$."Sec-GPC"')) = N'1'
        AND (COALESCE((SELECT co.HonorGPC FROM PiXL.Company AS co WHERE co.CompanyID = t.CompanyID), 1) = 1
          OR COALESCE((SELECT cf.HonorGPC FROM PiXL.Config AS cf
            WHERE cf.CompanyID = t.CompanyID AND cf.PiXLID = t.PiXLID), 0) = 1) THEN 1
      WHEN TRIM(JSON_VALUE(t.HeadersJson, '$.DNT')) = N'1'
        AND (COALESCE((SELECT co.HonorDNT FROM PiXL.Company AS co WHERE co.CompanyID = t.CompanyID), 0) = 1
          OR COALESCE((SELECT cf.HonorDNT FROM PiXL.Config AS cf
            WHERE cf.CompanyID = t.CompanyID AND cf.PiXLID = t.PiXLID), 0) = 1) THEN 1
      ELSE 0 END AS BIT) AS OptOut`;

/**
 * PostgreSQL: Visit.EmailSha256 and Visit.MatchHid (the person as hashes, for erasure's index seeks), NULL when
 * opted out. The hid rule is src/identity/email.ts normaliseEmailHash.
 */
export const postgresPersonHashes = `      CASE WHEN NOT b.opt_out THEN "PiXL"."EmailSha256"(left("PiXL"."NormaliseEmail"(b.client_params ->> 'email'), 200)) END,
      CASE WHEN NOT b.opt_out AND lower(btrim(b.client_params ->> 'hid', E' \\t\\r\\n')) ~ '^[0-9a-f]{64}$'
        THEN lower(btrim(b.client_params ->> 'hid', E' \\t\\r\\n')) END`;

/** SQL Server: the same two values for a #parsed row `p` (its JSON client params) and opt-out `pv`. */
export const mssqlPersonHashes = `    CASE WHEN bt.OptOut = 0 THEN PiXL.EmailSha256(p.MatchEmail) END,
    CASE WHEN bt.OptOut = 0 AND LEN(h.Hid) = 64 AND h.Hid COLLATE Latin1_General_100_BIN2 NOT LIKE N'%[^0-9a-f]%'
      THEN CONVERT(CHAR(64), h.Hid) END`;

/** SQL Server: the visit insert's join to its #batch row and the hid of its client params. */
export const mssqlVisitJoins = `  JOIN #batch bt ON bt.Id = p.SourceId
  CROSS APPLY (SELECT LOWER(TRIM(CONCAT(N' ', NCHAR(9), NCHAR(10), NCHAR(13))
    FROM JSON_VALUE(p.ClientParamsJson, '$.hid'))) AS Hid) h`;

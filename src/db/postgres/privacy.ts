/** PostgreSQL: the privacy settings the writer applies, and a company's export (docs/PRIVACY.md). */
import type pg from 'pg';
import type { PrivacyRow } from '../../privacy/settings.js';
import type { Row } from '../types.js';

export async function readPrivacySettings(pool: pg.Pool): Promise<PrivacyRow[]> {
  const { rows } = await pool.query<PrivacyRow>(`
    SELECT "CompanyID" AS "companyId", NULL::text AS "pixelId", "HonorGPC" AS "honorGpc", "HonorDNT" AS "honorDnt",
      "TruncateIP" AS "truncateIp", "RetentionDays" AS "retentionDays"
    FROM "PiXL"."Company"
    UNION ALL
    SELECT "CompanyID", "PiXLID", "HonorGPC", "HonorDNT", "TruncateIP", "RetentionDays" FROM "PiXL"."Config"`);
  return rows;
}

export async function exportCompany(pool: pg.Pool, companyId: string): Promise<Row[]> {
  const { rows } = await pool.query(
    'SELECT * FROM "PiXL"."CompanyExport"($1) ORDER BY "VisitID", "MatchType"',
    [companyId],
  );
  return rows;
}

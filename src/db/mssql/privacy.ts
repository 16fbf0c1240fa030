/** SQL Server: the privacy settings the writer applies, and a company's export (docs/PRIVACY.md). */
import sql from 'mssql';
import type { PrivacyRow } from '../../privacy/settings.js';
import type { Row } from '../types.js';
import { rowsOf } from './sql.js';

export async function readPrivacySettings(pool: sql.ConnectionPool): Promise<PrivacyRow[]> {
  const result = await pool.request().query<Row>(`
    SELECT CompanyID AS companyId, CAST(NULL AS VARCHAR(64)) AS pixelId, HonorGPC AS honorGpc, HonorDNT AS honorDnt,
      TruncateIP AS truncateIp, RetentionDays AS retentionDays
    FROM PiXL.Company
    UNION ALL
    SELECT CompanyID, PiXLID, HonorGPC, HonorDNT, TruncateIP, RetentionDays FROM PiXL.Config`);
  return result.recordset.map((r) => ({
    companyId: String(r.companyId),
    pixelId: r.pixelId === null ? null : String(r.pixelId),
    honorGpc: r.honorGpc === true,
    honorDnt: r.honorDnt === true,
    truncateIp: r.truncateIp === true,
    retentionDays: r.retentionDays === null ? null : Number(r.retentionDays),
  }));
}

export async function exportCompany(pool: sql.ConnectionPool, companyId: string): Promise<Row[]> {
  const result = await pool
    .request()
    .input('company', sql.VarChar(64), companyId)
    .query('SELECT * FROM PiXL.CompanyExport(@company) ORDER BY VisitID, MatchType');
  return rowsOf(result.recordset);
}

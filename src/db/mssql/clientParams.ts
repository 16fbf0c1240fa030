/** SQL Server: the client params of active pixels (twin of src/db/postgres/clientParams.ts). */
import type sql from 'mssql';
import type { ClientParamRow } from '../types.js';

export async function clientParams(pool: sql.ConnectionPool): Promise<ClientParamRow[]> {
  // Binary ordering: the same order as PostgreSQL's C-collated varchar comparison of these ASCII ids.
  const result = await pool.request().query<ClientParamRow>(`
    SELECT p.CompanyID AS companyId, p.PiXLID AS pixelId, p.ParamName AS paramName, p.DomSelector AS domSelector
    FROM PiXL.ConfigClientParam p
    JOIN PiXL.Pixel x ON x.CompanyID = p.CompanyID AND x.PiXLID = p.PiXLID AND x.IsActive = 1
    JOIN PiXL.Company c ON c.CompanyID = p.CompanyID AND c.IsActive = 1
    ORDER BY p.CompanyID COLLATE Latin1_General_BIN2, p.PiXLID COLLATE Latin1_General_BIN2,
      p.ParamName COLLATE Latin1_General_BIN2`);
  return result.recordset;
}

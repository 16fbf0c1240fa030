/** PostgreSQL: the client params of active pixels (twin of src/db/mssql/clientParams.ts). */
import type pg from 'pg';
import type { ClientParamRow } from '../types.js';

export async function clientParams(pool: pg.Pool): Promise<ClientParamRow[]> {
  const result = await pool.query<ClientParamRow>(`
    SELECT p."CompanyID" AS "companyId", p."PiXLID" AS "pixelId", p."ParamName" AS "paramName",
           p."DomSelector" AS "domSelector"
    FROM "PiXL"."ConfigClientParam" p
    JOIN "PiXL"."Pixel" x ON x."CompanyID" = p."CompanyID" AND x."PiXLID" = p."PiXLID" AND x."IsActive"
    JOIN "PiXL"."Company" c ON c."CompanyID" = p."CompanyID" AND c."IsActive"
    ORDER BY p."CompanyID" COLLATE "C", p."PiXLID" COLLATE "C", p."ParamName" COLLATE "C"`);
  return result.rows;
}

/** SQL Server: companies, pixels and client params (twin of src/db/postgres/pixels.ts). */
import sql from 'mssql';
import type { ClientParamRow, CompanyRow, PixelRegistry, PixelRow, RegistryChange } from '../types.js';
import { inTransaction } from './sql.js';

type Connected = () => Promise<sql.ConnectionPool>;

/** Binary ordering: the order of PostgreSQL's "C" collation for these ASCII ids. */
const BIN = 'COLLATE Latin1_General_BIN2';

function withChange(request: sql.Request, nameColumn: string, change: RegistryChange): string {
  const parts: string[] = [];
  if (change.name !== undefined) {
    request.input('name', sql.NVarChar(200), change.name);
    parts.push(`${nameColumn} = @name`);
  }
  if (change.active !== undefined) {
    request.input('active', sql.Bit, change.active);
    parts.push('IsActive = @active');
  }
  return parts.join(', ');
}

export class MssqlPixelRegistry implements PixelRegistry {
  constructor(private readonly connected: Connected) {}

  async companies(): Promise<CompanyRow[]> {
    const result = await (await this.connected())
      .request()
      .query<CompanyRow>(
        `SELECT CompanyID AS companyId, CompanyName AS name, IsActive AS active FROM PiXL.Company ORDER BY CompanyID ${BIN}`,
      );
    return result.recordset;
  }

  async pixels(): Promise<PixelRow[]> {
    const result = await (await this.connected()).request().query<PixelRow>(
      `SELECT CompanyID AS companyId, PiXLID AS pixelId, PixelName AS name, IsActive AS active
         FROM PiXL.Pixel ORDER BY CompanyID ${BIN}, PiXLID ${BIN}`,
    );
    return result.recordset;
  }

  async allClientParams(): Promise<ClientParamRow[]> {
    const result = await (await this.connected()).request().query<ClientParamRow>(
      `SELECT CompanyID AS companyId, PiXLID AS pixelId, ParamName AS paramName, DomSelector AS domSelector
         FROM PiXL.ConfigClientParam ORDER BY CompanyID ${BIN}, PiXLID ${BIN}, ParamName ${BIN}`,
    );
    return result.recordset;
  }

  async addCompany(companyId: string, name: string): Promise<void> {
    await (await this.connected())
      .request()
      .input('company', sql.VarChar(64), companyId)
      .input('name', sql.NVarChar(200), name)
      .query('INSERT INTO PiXL.Company (CompanyID, CompanyName) VALUES (@company, @name)');
  }

  async updateCompany(companyId: string, change: RegistryChange): Promise<void> {
    const request = (await this.connected()).request().input('company', sql.VarChar(64), companyId);
    const set = withChange(request, 'CompanyName', change);
    if (set) await request.query(`UPDATE PiXL.Company SET ${set} WHERE CompanyID = @company`);
  }

  async addPixel(companyId: string, pixelId: string, name: string): Promise<void> {
    await inTransaction(await this.connected(), async (tx) => {
      await new sql.Request(tx)
        .input('company', sql.VarChar(64), companyId)
        .input('pixel', sql.VarChar(64), pixelId)
        .input('name', sql.NVarChar(200), name)
        .query(`
          INSERT INTO PiXL.Pixel (CompanyID, PiXLID, PixelName) VALUES (@company, @pixel, @name);
          IF NOT EXISTS (SELECT 1 FROM PiXL.Config WHERE CompanyID = @company AND PiXLID = @pixel)
            INSERT INTO PiXL.Config (CompanyID, PiXLID) VALUES (@company, @pixel);`);
    });
  }

  async updatePixel(companyId: string, pixelId: string, change: RegistryChange): Promise<void> {
    const request = (await this.connected())
      .request()
      .input('company', sql.VarChar(64), companyId)
      .input('pixel', sql.VarChar(64), pixelId);
    const set = withChange(request, 'PixelName', change);
    if (set)
      await request.query(`UPDATE PiXL.Pixel SET ${set} WHERE CompanyID = @company AND PiXLID = @pixel`);
  }

  async setClientParam(p: ClientParamRow): Promise<'added' | 'changed'> {
    return inTransaction(await this.connected(), async (tx) => {
      const result = await new sql.Request(tx)
        .input('company', sql.VarChar(64), p.companyId)
        .input('pixel', sql.VarChar(64), p.pixelId)
        .input('param', sql.VarChar(100), p.paramName)
        .input('selector', sql.NVarChar(1000), p.domSelector)
        .query<{ added: boolean }>(`
          IF NOT EXISTS (SELECT 1 FROM PiXL.Config WHERE CompanyID = @company AND PiXLID = @pixel)
            INSERT INTO PiXL.Config (CompanyID, PiXLID) VALUES (@company, @pixel);
          UPDATE PiXL.ConfigClientParam WITH (UPDLOCK, HOLDLOCK) SET DomSelector = @selector
          WHERE CompanyID = @company AND PiXLID = @pixel AND ParamName = @param;
          IF @@ROWCOUNT = 0
          BEGIN
            INSERT INTO PiXL.ConfigClientParam (CompanyID, PiXLID, ParamName, DomSelector)
            VALUES (@company, @pixel, @param, @selector);
            SELECT CAST(1 AS bit) AS added;
          END
          ELSE SELECT CAST(0 AS bit) AS added;`);
      return result.recordset[0]?.added ? 'added' : 'changed';
    });
  }

  async removeClientParam(companyId: string, pixelId: string, paramName: string): Promise<boolean> {
    const result = await (await this.connected())
      .request()
      .input('company', sql.VarChar(64), companyId)
      .input('pixel', sql.VarChar(64), pixelId)
      .input('param', sql.VarChar(100), paramName)
      .query(
        'DELETE FROM PiXL.ConfigClientParam WHERE CompanyID = @company AND PiXLID = @pixel AND ParamName = @param',
      );
    return (result.rowsAffected[0] ?? 0) > 0;
  }
}

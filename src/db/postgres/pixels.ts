/** PostgreSQL: companies, pixels and client params (twin of src/db/mssql/pixels.ts). */
import type pg from 'pg';
import type { ClientParamRow, CompanyRow, PixelRegistry, PixelRow, RegistryChange } from '../types.js';
import { inTransaction } from './sql.js';

/** `SET` list and values of a change, parameters numbered from 1. */
function setList(nameColumn: string, change: RegistryChange): [string, unknown[]] {
  const parts: string[] = [];
  const values: unknown[] = [];
  if (change.name !== undefined) {
    values.push(change.name);
    parts.push(`"${nameColumn}" = $${values.length}`);
  }
  if (change.active !== undefined) {
    values.push(change.active);
    parts.push(`"IsActive" = $${values.length}`);
  }
  return [parts.join(', '), values];
}

export class PostgresPixelRegistry implements PixelRegistry {
  constructor(private readonly pool: pg.Pool) {}

  async companies(): Promise<CompanyRow[]> {
    const { rows } = await this.pool.query<CompanyRow>(
      `SELECT "CompanyID" AS "companyId", "CompanyName" AS name, "IsActive" AS active FROM "PiXL"."Company"
       ORDER BY "CompanyID" COLLATE "C"`,
    );
    return rows;
  }

  async pixels(): Promise<PixelRow[]> {
    const { rows } = await this.pool.query<PixelRow>(
      `SELECT "CompanyID" AS "companyId", "PiXLID" AS "pixelId", "PixelName" AS name, "IsActive" AS active
       FROM "PiXL"."Pixel" ORDER BY "CompanyID" COLLATE "C", "PiXLID" COLLATE "C"`,
    );
    return rows;
  }

  async allClientParams(): Promise<ClientParamRow[]> {
    const { rows } = await this.pool.query<ClientParamRow>(
      `SELECT "CompanyID" AS "companyId", "PiXLID" AS "pixelId", "ParamName" AS "paramName",
              "DomSelector" AS "domSelector"
       FROM "PiXL"."ConfigClientParam"
       ORDER BY "CompanyID" COLLATE "C", "PiXLID" COLLATE "C", "ParamName" COLLATE "C"`,
    );
    return rows;
  }

  async addCompany(companyId: string, name: string): Promise<void> {
    await this.pool.query('INSERT INTO "PiXL"."Company" ("CompanyID", "CompanyName") VALUES ($1, $2)', [
      companyId,
      name,
    ]);
  }

  async updateCompany(companyId: string, change: RegistryChange): Promise<void> {
    const [set, values] = setList('CompanyName', change);
    if (!set) return;
    await this.pool.query(`UPDATE "PiXL"."Company" SET ${set} WHERE "CompanyID" = $${values.length + 1}`, [
      ...values,
      companyId,
    ]);
  }

  async addPixel(companyId: string, pixelId: string, name: string): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query(
        'INSERT INTO "PiXL"."Pixel" ("CompanyID", "PiXLID", "PixelName") VALUES ($1, $2, $3)',
        [companyId, pixelId, name],
      );
      await client.query(
        'INSERT INTO "PiXL"."Config" ("CompanyID", "PiXLID") VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [companyId, pixelId],
      );
    });
  }

  async updatePixel(companyId: string, pixelId: string, change: RegistryChange): Promise<void> {
    const [set, values] = setList('PixelName', change);
    if (!set) return;
    const n = values.length;
    await this.pool.query(
      `UPDATE "PiXL"."Pixel" SET ${set} WHERE "CompanyID" = $${n + 1} AND "PiXLID" = $${n + 2}`,
      [...values, companyId, pixelId],
    );
  }

  setClientParam(p: ClientParamRow): Promise<'added' | 'changed'> {
    return inTransaction(this.pool, async (client) => {
      await client.query(
        'INSERT INTO "PiXL"."Config" ("CompanyID", "PiXLID") VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [p.companyId, p.pixelId],
      );
      // xmax = 0 only on a freshly inserted row.
      const { rows } = await client.query<{ added: boolean }>(
        `INSERT INTO "PiXL"."ConfigClientParam" ("CompanyID", "PiXLID", "ParamName", "DomSelector")
         VALUES ($1, $2, $3, $4)
         ON CONFLICT ("CompanyID", "PiXLID", "ParamName") DO UPDATE SET "DomSelector" = EXCLUDED."DomSelector"
         RETURNING (xmax = 0) AS added`,
        [p.companyId, p.pixelId, p.paramName, p.domSelector],
      );
      return rows[0]?.added ? 'added' : 'changed';
    });
  }

  async removeClientParam(companyId: string, pixelId: string, paramName: string): Promise<boolean> {
    const result = await this.pool.query(
      'DELETE FROM "PiXL"."ConfigClientParam" WHERE "CompanyID" = $1 AND "PiXLID" = $2 AND "ParamName" = $3',
      [companyId, pixelId, paramName],
    );
    return (result.rowCount ?? 0) > 0;
  }
}

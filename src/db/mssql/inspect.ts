/** SQL Server: what became of hits, for the local demo (twin of src/db/postgres/inspect.ts). */
import sql from 'mssql';
import type { HitInspector, LandedHit, Row } from '../types.js';
import { landedParams } from '../values.js';
import { rowsOf } from './sql.js';

type Connected = () => Promise<sql.ConnectionPool>;

/** The json type arrives as text: decoded, so both engines answer objects. */
const decoded = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);

export class MssqlHitInspector implements HitInspector {
  constructor(private readonly connected: Connected) {}

  async recentHits(companyId: string, pixelId: string, limit: number): Promise<LandedHit[]> {
    const result = await (await this.connected())
      .request()
      .input('company', sql.VarChar(64), companyId)
      .input('pixel', sql.VarChar(64), pixelId)
      .input('limit', sql.Int, limit)
      .query<Row>(
        `SELECT TOP (@limit) Id AS id, HitType AS hitType, IPAddress AS ipAddress, ReceivedAt AS receivedAt,
                CAST(ParamsJson AS NVARCHAR(MAX)) AS params,
                CAST(ClientParamsJson AS NVARCHAR(MAX)) AS clientParams
         FROM PiXL.Test WHERE CompanyID = @company AND PiXLID = @pixel ORDER BY Id DESC`,
      );
    return rowsOf(result.recordset).map(
      ({ clientParams, ...r }) =>
        ({ ...r, params: landedParams(decoded(r.params), decoded(clientParams) ?? null) }) as LandedHit,
    );
  }

  async parsedRow(sourceId: number): Promise<Row | undefined> {
    const result = await (await this.connected())
      .request()
      .input('id', sql.BigInt, sourceId)
      .query('SELECT * FROM PiXL.Parsed WHERE SourceId = @id');
    return rowsOf(result.recordset)[0];
  }

  async visitRow(visitId: number): Promise<Row | undefined> {
    const result = await (await this.connected())
      .request()
      .input('id', sql.BigInt, visitId)
      // Columns named, the json one cast to text: the driver is not asked to decode the json type.
      .query(
        `SELECT VisitID, CompanyID, PiXLID, DeviceId, IpId, ReceivedAt, MatchEmail,
                CAST(ClientParamsJson AS NVARCHAR(MAX)) AS ClientParamsJson
         FROM PiXL.Visit WHERE VisitID = @id`,
      );
    const row = rowsOf(result.recordset)[0];
    return row && { ...row, ClientParamsJson: decoded(row.ClientParamsJson) };
  }

  async matches(companyId: string, pixelId: string, matchKey: string): Promise<Row[]> {
    const result = await (await this.connected())
      .request()
      .input('company', sql.VarChar(64), companyId)
      .input('pixel', sql.VarChar(64), pixelId)
      .input('key', sql.NVarChar(200), matchKey)
      .query('SELECT * FROM PiXL.Match WHERE CompanyID = @company AND PiXLID = @pixel AND MatchKey = @key');
    return rowsOf(result.recordset);
  }
}

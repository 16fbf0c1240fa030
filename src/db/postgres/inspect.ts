/** PostgreSQL: what became of hits, for the local demo (twin of src/db/mssql/inspect.ts). */
import type pg from 'pg';
import type { HitInspector, LandedHit, Row } from '../types.js';
import { landedParams } from '../values.js';

export class PostgresHitInspector implements HitInspector {
  constructor(private readonly pool: pg.Pool) {}

  async recentHits(companyId: string, pixelId: string, limit: number): Promise<LandedHit[]> {
    const { rows } = await this.pool.query<LandedHit & { clientParams: Record<string, string> | null }>(
      `SELECT "Id" AS id, "HitType" AS "hitType", "IPAddress" AS "ipAddress", "ReceivedAt" AS "receivedAt",
              "ParamsJson" AS params, "ClientParamsJson" AS "clientParams"
       FROM "PiXL"."Test" WHERE "CompanyID" = $1 AND "PiXLID" = $2 ORDER BY "Id" DESC LIMIT $3`,
      [companyId, pixelId, limit],
    );
    return rows.map(({ clientParams, ...hit }) => ({
      ...hit,
      params: landedParams(hit.params, clientParams),
    }));
  }

  async parsedRow(sourceId: number): Promise<Row | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM "PiXL"."Parsed" WHERE "SourceId" = $1', [sourceId]);
    return rows[0];
  }

  async visitRow(visitId: number): Promise<Row | undefined> {
    const { rows } = await this.pool.query('SELECT * FROM "PiXL"."Visit" WHERE "VisitID" = $1', [visitId]);
    return rows[0];
  }

  async matches(companyId: string, pixelId: string, matchKey: string): Promise<Row[]> {
    const { rows } = await this.pool.query(
      'SELECT * FROM "PiXL"."Match" WHERE "CompanyID" = $1 AND "PiXLID" = $2 AND "MatchKey" = $3',
      [companyId, pixelId, matchKey],
    );
    return rows;
  }
}

/**
 * Hits as the writer landed them before migration 0080: no ClientParamsJson or FpHash, the client params among
 * the `_cp_` keys of ParamsJson. Rows like these may still wait in PiXL.Test when a warehouse is upgraded.
 */
import type { HitRow } from '../../src/db/types.js';
import { landedParams } from '../../src/db/values.js';
import type { TestWarehouse } from './engines.js';

export async function landReleasedHits(db: TestWarehouse, hits: readonly HitRow[]): Promise<void> {
  const column = (name: string) => (db.engine === 'mssql' ? name : `"${name}"`);
  const json = (n: number) => (db.engine === 'mssql' ? `CAST($${n} AS JSON)` : `$${n}::jsonb`);
  const columns = ['HitId', 'HitType', 'CompanyID', 'PiXLID', 'IPAddress', 'RequestPath', 'QueryTruncated'];
  for (const h of hits)
    await db.query(
      `INSERT INTO ${db.name('PiXL.Test')} (${[...columns, 'ParamsJson', 'HeadersJson', 'ReceivedAt', 'IsKnownBot'].map(column).join(', ')})
       VALUES ($1, $2, $3, $4, $5, $6, $7, ${json(8)}, ${json(9)}, $10, $11)`,
      [
        h.hitId,
        h.hitType,
        h.companyId,
        h.pixelId,
        h.ipAddress,
        h.requestPath,
        h.queryTruncated,
        JSON.stringify(landedParams(JSON.parse(h.paramsJson), JSON.parse(h.clientParamsJson))),
        h.headersJson,
        h.receivedAt.toISOString().slice(0, 23).replace('T', ' '),
        h.isKnownBot,
      ],
    );
}

/** The PiXL.Test columns the writer fills, in one order both engines use. */
import type { HitRow } from './types.js';

export const HIT_COLUMN_NAMES = [
  'HitId',
  'HitType',
  'CompanyID',
  'PiXLID',
  'IPAddress',
  'RequestPath',
  'QueryString',
  'QueryTruncated',
  'ParamsJson',
  'ClientParamsJson',
  'FpHash',
  'HeadersJson',
  'UserAgent',
  'Referer',
  'ReceivedAt',
  'IsKnownBot',
] as const;

/** A row's values in HIT_COLUMN_NAMES order. */
export function hitRowValues(r: HitRow): (string | boolean | Date | Buffer | null)[] {
  return [
    r.hitId,
    r.hitType,
    r.companyId,
    r.pixelId,
    r.ipAddress,
    r.requestPath,
    r.queryString,
    r.queryTruncated,
    r.paramsJson,
    r.clientParamsJson,
    r.fpHash,
    r.headersJson,
    r.userAgent,
    r.referer,
    r.receivedAt,
    r.isKnownBot,
  ];
}

/**
 * How many of each batch's rows were added, given the HitIds the insert reports as added: a HitId given in two
 * batches of one insert (the same message delivered twice at once) counts for the first.
 */
export function countAddedPerBatch(
  batches: readonly (readonly HitRow[])[],
  added: readonly string[],
): number[] {
  const fresh = new Set(added.map((id) => id.toLowerCase()));
  return batches.map((batch) => {
    let n = 0;
    for (const r of batch) if (fresh.delete(r.hitId.toLowerCase())) n++;
    return n;
  });
}

/**
 * Erasure of one person (docs/PRIVACY.md): the address is normalised and hashed here, and the database is given
 * the hash (plus the normalised address, when known, so the visits' email index can be used); it records only
 * the hash. PiXL.usp_ErasePerson does the work in one transaction.
 */
import type { Warehouse } from '../db/types.js';
import { numberOf, PROCEDURES } from '../etl/procedures.js';
import { emailSha256, normaliseEmail } from '../identity/email.js';

export interface ErasureRequest {
  email?: string | undefined;
  /** SHA-256 hex of the normalised email (what clients send as `_cp_hid`). */
  hid?: string | undefined;
  companyId?: string | undefined;
  /** Also delete the person's records from the consumer file (PiXL.AutoConsumerSource). */
  consumerFile?: boolean | undefined;
  /**
   * Read every raw hit instead of the visits' indexes and the unparsed hits: also finds a hit parsed as opted out
   * under settings changed after the writer kept its params. Costs a scan of PiXL.Test.
   */
  scanAllRaw?: boolean | undefined;
}

export interface ErasureResult {
  erasureId: number;
  emailSha256: string;
  /** Rows removed per table. */
  removed: Record<string, number>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export class ErasureRequestError extends Error {
  override name = 'ErasureRequestError';
}

export async function erasePerson(db: Warehouse, request: ErasureRequest): Promise<ErasureResult> {
  const email = normaliseEmail(request.email);
  const hid = request.hid?.trim().toLowerCase();
  if ((email === null) === (hid === undefined))
    throw new ErasureRequestError('give exactly one of --email or --hid');
  if (hid !== undefined && !SHA256_HEX.test(hid))
    throw new ErasureRequestError('--hid must be 64 hex digits');
  const hash = hid ?? (emailSha256(email) as string);
  const row =
    (await db.callProcedure(PROCEDURES.erase, {
      EraseSha256: hash,
      EraseEmail: email,
      EraseCompanyID: request.companyId ?? null,
      IncludeConsumerFile: request.consumerFile === true,
      ScanAllRaw: request.scanAllRaw === true,
    })) ?? {};
  const removed: Record<string, number> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === 'ErasureId') continue;
    removed[key.replace(/Rows$/, '')] = numberOf(value) ?? 0;
  }
  return { erasureId: numberOf(row.ErasureId) ?? 0, emailSha256: hash, removed };
}

/** Turns captured hits into PiXL.Test rows: decodes the query string into a JSON object of parameters. */
import { isbot } from 'isbot';
import type { CapturedHit } from '../capture/hit.js';
import type { HitRow } from '../db/types.js';

/**
 * Text both engines accept: no NUL (PostgreSQL text and jsonb reject it) and no lone surrogate (not
 * representable in UTF-8). Applied to every string the writer lands, so both engines store the same.
 */
export function storableText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}

/**
 * The decoded parameters as a JSON object. WHATWG form decoding: '+' is a space, percent escapes are UTF-8
 * and an invalid sequence becomes U+FFFD. A key given twice keeps its first value.
 */
export function decodeParams(queryString: string): string {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(queryString)) {
    const k = storableText(key);
    if (k && !Object.hasOwn(params, k)) params[k] = storableText(value);
  }
  return JSON.stringify(params);
}

export function toHitRow(hit: CapturedHit): HitRow {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hit.headers)) headers[storableText(name)] = storableText(value);
  return {
    hitId: hit.hitId,
    hitType: hit.hitType,
    companyId: hit.companyId,
    pixelId: hit.pixelId,
    ipAddress: hit.ip || null,
    requestPath: storableText(hit.requestPath),
    queryString: storableText(hit.queryString),
    queryTruncated: hit.queryTruncated,
    paramsJson: decodeParams(hit.queryString),
    headersJson: JSON.stringify(headers),
    userAgent: storableText(hit.userAgent) || null,
    referer: storableText(hit.referer) || null,
    receivedAt: new Date(hit.receivedAt),
    isKnownBot: isbot(hit.userAgent),
  };
}

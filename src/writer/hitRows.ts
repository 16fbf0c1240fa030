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
 * and an invalid sequence becomes U+FFFD. A key given twice keeps its first value. `complete` is false when
 * the object may not hold all the query string said (a repeated or empty key, an escape replaced by U+FFFD,
 * characters neither engine can store): only then is the raw query string stored beside it.
 */
export function decodeParams(queryString: string): { json: string; complete: boolean } {
  const params: Record<string, string> = {};
  let complete = true;
  for (const [key, value] of new URLSearchParams(queryString)) {
    const k = storableText(key);
    const v = storableText(value);
    if (k !== key || v !== value || k.includes('\uFFFD') || v.includes('\uFFFD')) complete = false;
    // `__proto__` cannot be an own key of a plain object: it is dropped, like an empty or repeated key.
    if (k && k !== '__proto__' && !Object.hasOwn(params, k)) params[k] = v;
    else complete = false;
  }
  return { json: JSON.stringify(params), complete };
}

export function toHitRow(hit: CapturedHit): HitRow {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hit.headers)) headers[storableText(name)] = storableText(value);
  const params = decodeParams(hit.queryString);
  return {
    hitId: hit.hitId,
    hitType: hit.hitType,
    companyId: hit.companyId,
    pixelId: hit.pixelId,
    ipAddress: hit.ip || null,
    requestPath: storableText(hit.requestPath),
    // Stored only when the decoded parameters do not hold all of it: otherwise the same data twice.
    queryString: params.complete ? null : storableText(hit.queryString),
    queryTruncated: hit.queryTruncated,
    paramsJson: params.json,
    headersJson: JSON.stringify(headers),
    userAgent: storableText(hit.userAgent) || null,
    referer: storableText(hit.referer) || null,
    receivedAt: new Date(hit.receivedAt),
    isKnownBot: isbot(hit.userAgent),
  };
}

/** Turns captured hits into PiXL.Test rows: the query string decoded into parameters, client params apart. */
import { isbot } from 'isbot';
import type { CapturedHit } from '../capture/hit.js';
import type { HitRow } from '../db/types.js';
import { CLIENT_PARAM_PREFIX } from '../warehouse/fields.js';
import { fingerprintHash } from './fingerprintHash.js';

/**
 * Text both engines accept: no NUL (PostgreSQL text and jsonb reject it) and no lone surrogate (not
 * representable in UTF-8). Applied to every string the writer lands, so both engines store the same.
 */
export function storableText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}

/**
 * The decoded parameters as JSON objects. WHATWG form decoding: '+' is a space, percent escapes are UTF-8
 * and an invalid sequence becomes U+FFFD. A key given twice keeps its first value.
 * - `json`: every parameter except the client params;
 * - `clientJson`: the client params (`_cp_<name>`, the values a page's elements gave), keyed by `<name>` as
 *   PiXL.Visit.ClientParamsJson holds them, `{}` when there are none. Kept apart so the parse copies them
 *   instead of walking all ~168 keys of every hit for the few that are client params, and so the personal
 *   values of a hit sit in one column of their own;
 * - `fpHash`: the composite fingerprint's hash for the behaviour signals (src/writer/fingerprintHash.ts).
 * `complete` is false when the two may not hold all the query string said (a repeated or empty key, an escape
 * replaced by U+FFFD, characters neither engine can store): only then is the raw query string stored beside
 * them.
 */
export function decodeParams(queryString: string): {
  json: string;
  clientJson: string;
  fpHash: Buffer | null;
  complete: boolean;
} {
  const params: Record<string, string> = {};
  const clientParams = new Map<string, string>();
  let complete = true;
  for (const [key, value] of new URLSearchParams(queryString)) {
    const k = storableText(key);
    const v = storableText(value);
    if (k !== key || v !== value || k.includes('\uFFFD') || v.includes('\uFFFD')) complete = false;
    if (k.length > CLIENT_PARAM_PREFIX.length && k.startsWith(CLIENT_PARAM_PREFIX)) {
      const name = k.slice(CLIENT_PARAM_PREFIX.length);
      if (!clientParams.has(name)) clientParams.set(name, v);
      else complete = false;
    }
    // `__proto__` cannot be an own key of a plain object: it is dropped, like an empty or repeated key.
    else if (k && k !== '__proto__' && !Object.hasOwn(params, k)) params[k] = v;
    else complete = false;
  }
  return {
    json: JSON.stringify(params),
    clientJson: inJsonbKeyOrder(clientParams),
    fpHash: fingerprintHash(params),
    complete,
  };
}

const utf8Length = (text: string) => Buffer.byteLength(text);

/**
 * A JSON object with its keys in jsonb's order (UTF-8 length, then bytes), the order SQL Server's parse gives the
 * client params of older rows too, so both engines store the same text. Written by hand: JSON.stringify would
 * put integer-like names first.
 */
function inJsonbKeyOrder(entries: ReadonlyMap<string, string>): string {
  if (entries.size === 0) return '{}';
  const names = [...entries.keys()].sort(
    (a, b) => utf8Length(a) - utf8Length(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  return `{${names.map((name) => `${JSON.stringify(name)}:${JSON.stringify(entries.get(name))}`).join(',')}}`;
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
    clientParamsJson: params.clientJson,
    fpHash: params.fpHash,
    headersJson: JSON.stringify(headers),
    userAgent: storableText(hit.userAgent) || null,
    referer: storableText(hit.referer) || null,
    receivedAt: new Date(hit.receivedAt),
    isKnownBot: isbot(hit.userAgent),
  };
}

/**
 * What the writer changes in a hit before it is stored (docs/PRIVACY.md):
 * - the pixel truncates addresses: the client address, every address-bearing header and every address-bearing
 *   param keep their /24 or /48;
 * - the hit opted out (Sec-GPC: 1, or DNT: 1 where honoured): every `_cp_` param is removed from the stored
 *   query string and decoded client params, since any DOM value a client collects can be personal.
 * The parse decides the opt-out again from the stored headers with the settings of that moment
 * (scripts/sqlgen/privacy.ts); the settings read here are at most SETTINGS_TTL_MS old.
 */
import type { CAPTURED_HEADERS } from '../capture/captureHit.js';
import type { HitRow, Warehouse } from '../db/types.js';
import { truncateAddress, truncateAddressList } from './ipTruncate.js';
import { optsOut, PrivacySettings } from './settings.js';

/** Headers that carry client or proxy addresses (src/capture/captureHit.ts keeps them). */
export const ADDRESS_HEADERS: readonly (typeof CAPTURED_HEADERS)[number][] = [
  'X-Forwarded-For',
  'X-Real-IP',
  'CF-Connecting-IP',
  'True-Client-IP',
  'X-Azure-ClientIP',
  'Client-IP',
];

/**
 * Params that carry an address: the collector's WebRTC host candidate (collector/src/async.ts), a public address
 * when the device has one.
 */
export const ADDRESS_PARAMS: readonly string[] = ['localIp'];

/** How long the writer keeps the settings it read: a change reaches the writer within this time. */
export const SETTINGS_TTL_MS = 30_000;

const isClientParam = (key: string) => key.startsWith('_cp_');

function decodedKey(pair: string): string {
  const key = pair.slice(0, pair.indexOf('=') < 0 ? pair.length : pair.indexOf('='));
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    return key;
  }
}

/** The query string without its `_cp_` pairs (other pairs kept byte for byte). */
export function withoutClientParams(queryString: string): string {
  return queryString
    .split('&')
    .filter((pair) => !isClientParam(decodedKey(pair)))
    .join('&');
}

/**
 * The query string with the value of each ADDRESS_PARAMS pair truncated, and the pair dropped when its value is
 * not an address (other pairs kept byte for byte).
 */
export function withTruncatedAddressParams(queryString: string): string {
  return queryString
    .split('&')
    .flatMap((pair) => {
      const key = decodedKey(pair);
      if (!ADDRESS_PARAMS.includes(key)) return [pair];
      const eq = pair.indexOf('=');
      let value: string;
      try {
        value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replaceAll('+', ' '));
      } catch {
        return [];
      }
      const truncated = truncateAddress(value);
      return truncated === undefined ? [] : [`${pair.slice(0, eq)}=${encodeURIComponent(truncated)}`];
    })
    .join('&');
}

/** Each named entry truncated in place, or removed when it holds no address. */
function truncateEntries(
  entries: Record<string, string>,
  names: readonly string[],
  truncate: (value: string) => string | undefined,
): void {
  for (const name of names) {
    const value = entries[name];
    if (value === undefined) continue;
    const truncated = truncate(value);
    if (truncated) entries[name] = truncated;
    else delete entries[name];
  }
}

export function applyPrivacy(row: HitRow, settings: PrivacySettings): HitRow {
  const s = settings.of(row.companyId, row.pixelId);
  const headers = JSON.parse(row.headersJson) as Record<string, string>;
  const optOut = optsOut(headers, s);
  if (!s.truncateIp && !optOut) return row;
  const out = { ...row };
  if (s.truncateIp) {
    out.ipAddress = row.ipAddress === null ? null : (truncateAddress(row.ipAddress) ?? null);
    truncateEntries(headers, ADDRESS_HEADERS, truncateAddressList);
    out.headersJson = JSON.stringify(headers);
    const params = JSON.parse(row.paramsJson) as Record<string, string>;
    truncateEntries(params, ADDRESS_PARAMS, truncateAddress);
    out.paramsJson = JSON.stringify(params);
    out.queryString = out.queryString === null ? null : withTruncatedAddressParams(out.queryString);
  }
  if (optOut) {
    out.clientParamsJson = '{}';
    out.queryString = out.queryString === null ? null : withoutClientParams(out.queryString);
  }
  return out;
}

const cache = new WeakMap<Warehouse, { settings: PrivacySettings; readAt: number }>();

/** The settings, read from the database at most every SETTINGS_TTL_MS per warehouse. */
export async function privacySettings(db: Warehouse, now = Date.now()): Promise<PrivacySettings> {
  const cached = cache.get(db);
  if (cached && now - cached.readAt < SETTINGS_TTL_MS) return cached.settings;
  const settings = new PrivacySettings(await db.readPrivacySettings());
  cache.set(db, { settings, readAt: now });
  return settings;
}

/** Applies each row's pixel settings (read through the cache). */
export async function applyPrivacyToRows(db: Warehouse, rows: readonly HitRow[]): Promise<HitRow[]> {
  if (rows.length === 0) return [];
  const settings = await privacySettings(db);
  return rows.map((row) => applyPrivacy(row, settings));
}

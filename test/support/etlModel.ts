/**
 * An independent TypeScript statement of the parse rules, used by the ETL tests to compute what each engine
 * must produce. Values are normalized: numbers as decimal text, bits as booleans, strings as strings.
 */
import { createHash } from 'node:crypto';
import {
  CLIENT_PARAM_PREFIX,
  DEVICE_HASH_COLUMNS,
  FIELDS,
  type SqlType,
} from '../../src/warehouse/fields.js';

export type Value = string | boolean | null;

const RANGES = {
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;

/** Rounds a decimal text half away from zero to `scale` digits; null when it needs too many integer digits. */
function toDecimal(raw: string, precision: number, scale: number): string | null {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(raw);
  if (!m || !/[0-9]/.test(raw) || raw.length > 30) return null;
  const negative = m[1] === '-';
  const fraction = (m[3] ?? '').padEnd(scale + 1, '0');
  let units = BigInt((m[2] || '0') + fraction.slice(0, scale));
  if (Number(fraction[scale]) >= 5) units += 1n;
  if (units >= 10n ** BigInt(precision)) return null;
  const digits = units.toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative && units !== 0n ? `-${text}` : text;
}

/** The typed value a raw parameter text must become (undefined: the key was absent). */
export function typedValue(type: SqlType, raw: string | undefined): Value {
  if (raw === undefined) return null;
  switch (type.kind) {
    case 'bit': {
      const v = raw.toLowerCase();
      return v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : null;
    }
    case 'int':
    case 'bigint': {
      if (raw.length > 30 || !/^[+-]?[0-9]+$/.test(raw)) return null;
      const n = BigInt(raw);
      const [min, max] = RANGES[type.kind];
      return n < min || n > max ? null : n.toString();
    }
    case 'decimal':
      return toDecimal(raw, type.precision, type.scale);
    case 'varchar':
      return [...raw].slice(0, type.length).join('');
  }
}

/** First value per key, WHATWG form decoding (what a browser and the writer agree a query string says). */
export function paramsOf(queryString: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(queryString)) {
    const key = k.toWellFormed().replaceAll('\u0000', '');
    if (key && !params.has(key)) params.set(key, v.toWellFormed().replaceAll('\u0000', ''));
  }
  return params;
}

export interface ExpectedHit {
  parsed: Record<string, Value>;
  deviceHash: string | null;
  clientParams: Record<string, string> | null;
  matchEmail: string | null;
}

export function expectedFor(queryString: string): ExpectedHit {
  const params = paramsOf(queryString);
  const parsed: Record<string, Value> = {};
  // Computed columns (`_srv_*`) ignore the client's key: test/enrich.signals.db.test.ts checks them.
  for (const f of FIELDS) {
    if (f.computedSince === undefined) parsed[f.column] = typedValue(f.sqlType, params.get(f.key));
  }
  const parts = DEVICE_HASH_COLUMNS.map((c) => parsed[c]).filter((v): v is string => typeof v === 'string');
  const deviceHash = parts.length ? createHash('sha256').update(parts.join('|'), 'utf8').digest('hex') : null;
  const clientParams: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k.startsWith(CLIENT_PARAM_PREFIX) && k.length > CLIENT_PARAM_PREFIX.length) {
      clientParams[k.slice(CLIENT_PARAM_PREFIX.length)] = v;
    }
  }
  const email = clientParams.email;
  // The one normalisation (docs/ARCHITECTURE.md section 6): spaces, tabs, CR and LF trimmed, ASCII A-Z
  // lower-cased; cut to MatchEmail's 200 characters.
  const normalized =
    email === undefined
      ? null
      : [...email.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '').replace(/[A-Z]/g, (c) => c.toLowerCase())]
          .slice(0, 200)
          .join('') || null;
  return {
    parsed,
    deviceHash,
    clientParams: Object.keys(clientParams).length ? clientParams : null,
    matchEmail: normalized,
  };
}

/** Helpers shared by the parsers: cut a string field, turn a CIDR text into a range or a reject. */
import { cidrBounds } from '../../ip.js';
import type { RangeCollector } from '../types.js';

/** A non-empty trimmed string cut to `max` characters (the column width), else null. */
export function field(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim();
  return t ? t.slice(0, max) : null;
}

export function addCidr(out: RangeCollector, cidr: unknown, region: unknown, service: unknown): void {
  const bounds = typeof cidr === 'string' ? cidrBounds(cidr.trim()) : undefined;
  // A /0 is never a provider's own block: a garbage line, not a reason to mark the whole internet.
  if (!bounds || bounds.prefixLength === 0) {
    out.reject(cidr);
    return;
  }
  out.ranges.push({
    provider: out.providerName,
    ...bounds,
    region: field(region, 64),
    service: field(service, 64),
  });
}

/** JSON.parse that reports failure as undefined (a truncated download is not an exception here). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The array at `key` of an object, or undefined. */
export function arrayAt(v: unknown, key: string): unknown[] | undefined {
  if (!isObject(v)) return undefined;
  const a = v[key];
  return Array.isArray(a) ? a : undefined;
}

/** Google Cloud cloud.json: `prefixes[]` {ipv4Prefix | ipv6Prefix, service, scope (the region)}. */
import { type ParseResult, RangeCollector } from '../types.js';
import { FormatError } from './formatError.js';
import { addCidr, arrayAt, isObject, parseJson } from './text.js';

export function parseGcp(bodies: readonly string[]): ParseResult {
  const prefixes = arrayAt(parseJson(bodies[0] ?? ''), 'prefixes');
  if (!prefixes) throw new FormatError('not a Google Cloud ranges document (prefixes missing)');
  const out = new RangeCollector('gcp');
  for (const p of prefixes) {
    if (!isObject(p)) out.reject(JSON.stringify(p));
    else addCidr(out, p.ipv4Prefix ?? p.ipv6Prefix, p.scope, p.service);
  }
  return out.result();
}

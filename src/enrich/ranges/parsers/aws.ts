/**
 * AWS ip-ranges.json: `prefixes[]` {ip_prefix, region, service, network_border_group} and `ipv6_prefixes[]`
 * {ipv6_prefix, ...}. A block is listed once per service and again under the catch-all service AMAZON.
 */
import { type ParseResult, RangeCollector } from '../types.js';
import { FormatError } from './formatError.js';
import { addCidr, arrayAt, isObject, parseJson } from './text.js';

export function parseAws(bodies: readonly string[]): ParseResult {
  const doc = parseJson(bodies[0] ?? '');
  const v4 = arrayAt(doc, 'prefixes');
  const v6 = arrayAt(doc, 'ipv6_prefixes');
  if (!v4 || !v6) throw new FormatError('not an AWS ip-ranges document (prefixes / ipv6_prefixes missing)');
  const out = new RangeCollector('aws');
  for (const [list, key] of [
    [v4, 'ip_prefix'],
    [v6, 'ipv6_prefix'],
  ] as const) {
    for (const p of list) {
      if (!isObject(p)) out.reject(JSON.stringify(p));
      else addCidr(out, p[key], p.region, p.service);
    }
  }
  return out.result();
}

/** AMAZON is the catch-all service: when a block is listed twice, the named service wins. */
export const awsServiceRank = (service: string | null): number => (service === 'AMAZON' ? 1 : 0);

/** Oracle Cloud public_ip_ranges.json: `regions[]` {region, cidrs[] {cidr, tags[] (OCI, OSN, OBJECT_STORAGE)}}. */
import { type ParseResult, RangeCollector } from '../types.js';
import { FormatError } from './formatError.js';
import { addCidr, arrayAt, isObject, parseJson } from './text.js';

export function parseOracle(bodies: readonly string[]): ParseResult {
  const regions = arrayAt(parseJson(bodies[0] ?? ''), 'regions');
  if (!regions) throw new FormatError('not an Oracle Cloud ranges document (regions missing)');
  const out = new RangeCollector('oracle');
  for (const region of regions) {
    const cidrs = arrayAt(region, 'cidrs');
    if (!isObject(region) || !cidrs) {
      out.reject(JSON.stringify(region));
      continue;
    }
    for (const c of cidrs) {
      if (!isObject(c)) {
        out.reject(JSON.stringify(c));
        continue;
      }
      const tags = Array.isArray(c.tags) ? c.tags.filter((t) => typeof t === 'string').join(',') : null;
      addCidr(out, c.cidr, region.region, tags);
    }
  }
  return out.result();
}

/**
 * RFC 8805 self-published geofeeds, as DigitalOcean (google.csv) and Linode (geoip.linode.com) publish their
 * blocks: `prefix,country,subdivision,city,postal` per line, `#` comments. Region is the subdivision (US-NJ),
 * else the country.
 */
import { type ParseResult, type Provider, RangeCollector } from '../types.js';
import { FormatError } from './formatError.js';
import { addCidr } from './text.js';

export function parseGeofeed(provider: Provider, bodies: readonly string[]): ParseResult {
  const out = new RangeCollector(provider);
  let lines = 0;
  for (const body of bodies) {
    for (const raw of body.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      lines++;
      const [prefix, country, subdivision] = line.split(',');
      addCidr(out, prefix, subdivision?.trim() || country, null);
    }
  }
  // An HTML error page answered with 200 is all garbage lines: a format error, not a provider with no blocks.
  if (lines > 0 && out.ranges.length === 0) throw new FormatError(`no valid prefix in ${lines} lines`);
  return out.result();
}

/** One CIDR per line (Cloudflare's ips-v4 and ips-v6; the v4 file has no final newline). */
import { type ParseResult, type Provider, RangeCollector } from '../types.js';
import { FormatError } from './formatError.js';
import { addCidr } from './text.js';

export function parsePlainList(provider: Provider, bodies: readonly string[]): ParseResult {
  const out = new RangeCollector(provider);
  let lines = 0;
  for (const body of bodies) {
    for (const raw of body.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      lines++;
      addCidr(out, line, null, null);
    }
  }
  if (lines > 0 && out.ranges.length === 0) throw new FormatError(`no valid prefix in ${lines} lines`);
  return out.result();
}

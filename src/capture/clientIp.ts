/**
 * Which address sent the hit. Only the sources named in settings are believed, in their order; a header a
 * client can set itself (X-Forwarded-For's left entries, X-Real-IP, ...) is never read unless configured.
 *
 * - `client-ip`: App Service's front end overwrites it with `ip:port`; clients cannot forge it.
 * - `x-forwarded-for`: proxies append what they saw, so the client's own entries stay on the left. The
 *   address is the entry `trustedProxyHops` from the right (1 = the one our front end appended).
 * - `x-azure-socketip`: set by Azure Front Door to the peer of its TCP connection; trustworthy only when Front
 *   Door is in front. Its `x-azure-clientip` is not: a client sets it through X-Forwarded-For (Front Door's
 *   "Protocol support for HTTP headers": "the client IP can be arbitrarily overwritten by a user").
 * - `cf-connecting-ip`, `true-client-ip`: Cloudflare; only behind Cloudflare.
 * - `socket`: the TCP peer, known only to the local runner.
 */
import ipaddr from 'ipaddr.js';
import type { Settings } from '../config.js';

type Source = Settings['capture']['clientIpSources'][number];

export interface ClientIpInput {
  header(name: string): string | null;
  socketAddress?: string | undefined;
}

/**
 * Normalises one address as written by a proxy: strips ports and brackets, reduces IPv4-mapped IPv6 to IPv4,
 * and returns the canonical text, or undefined when it is not an address.
 */
export function normaliseAddress(raw: string): string | undefined {
  let text = raw.trim();
  if (!text) return undefined;
  if (text.startsWith('[')) {
    // [v6] or [v6]:port
    const end = text.indexOf(']');
    if (end < 0) return undefined;
    text = text.slice(1, end);
  } else if (text.indexOf(':') > 0 && text.indexOf(':') === text.lastIndexOf(':')) {
    // v4:port (an IPv6 address always has two or more colons)
    text = text.slice(0, text.indexOf(':'));
  }
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!ipaddr.isValid(text)) return undefined;
  // isValid accepts legacy forms such as "127.1" and "0x7f.1"; only the four-part dotted form is an address here.
  if (!text.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  }
  return parsed.toString();
}

function fromSource(source: Source, input: ClientIpInput, hops: number): string | undefined {
  if (source === 'socket') return input.socketAddress ? normaliseAddress(input.socketAddress) : undefined;
  const value = input.header(source);
  if (!value) return undefined;
  if (source === 'x-forwarded-for') {
    const entries = value.split(',');
    const entry = entries[entries.length - hops];
    return entry === undefined ? undefined : normaliseAddress(entry);
  }
  return normaliseAddress(value);
}

/**
 * The client address from the first configured source that holds a valid one, else the socket peer;
 * '' when nothing does (inside the Functions host there is no socket).
 */
export function resolveClientIp(
  input: ClientIpInput,
  sources: readonly Source[],
  trustedHops: number,
): string {
  for (const source of sources) {
    const ip = fromSource(source, input, trustedHops);
    if (ip) return ip;
  }
  return fromSource('socket', input, trustedHops) ?? '';
}

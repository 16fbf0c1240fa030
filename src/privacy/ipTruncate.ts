/**
 * IP truncation (docs/PRIVACY.md): an IPv4 address keeps its /24 (last octet 0), an IPv6 address its /48 (the
 * rest zero), written the way src/capture/clientIp.ts writes addresses. What the writer stores then is the
 * network, not the device.
 */
import ipaddr from 'ipaddr.js';
import { normaliseAddress } from '../capture/clientIp.js';

export function truncateAddress(address: string): string | undefined {
  const normal = normaliseAddress(address);
  if (normal === undefined) return undefined;
  const parsed = ipaddr.parse(normal);
  if (parsed.kind() === 'ipv4') {
    const [a, b, c] = (parsed as ipaddr.IPv4).octets;
    return `${a}.${b}.${c}.0`;
  }
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 3);
  return new ipaddr.IPv6([...parts, 0, 0, 0, 0, 0]).toString();
}

/**
 * A header that may carry addresses (X-Forwarded-For is a list) with each address truncated; entries that are
 * not addresses are dropped, since they could hold anything.
 */
export function truncateAddressList(value: string): string {
  return value
    .split(',')
    .map((entry) => truncateAddress(entry))
    .filter((a): a is string => a !== undefined)
    .join(', ');
}

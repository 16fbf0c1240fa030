/**
 * Addresses as 16-byte sortable keys: IPv6 as its 16 bytes, IPv4 as the IPv4-mapped IPv6 ::ffff:a.b.c.d, so
 * one varbinary(16)/bytea column holds both families and byte order is address order on both engines.
 */
import ipaddr from 'ipaddr.js';

export type Family = 4 | 6;

const MAPPED_PREFIX = Buffer.from('00000000000000000000ffff', 'hex');

/** Parses an address in its usual text forms; IPv4 only as four-part decimal (not "127.1" or hex). */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const t = text.trim();
  if (!t || !ipaddr.isValid(t)) return undefined;
  if (!t.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(t)) return undefined;
  return ipaddr.parse(t);
}

/** The 16-byte key of a parsed address (IPv4-mapped IPv6 gives the same key as its IPv4). */
export function keyOf(address: ipaddr.IPv4 | ipaddr.IPv6): Buffer {
  if (address.kind() === 'ipv4') return Buffer.concat([MAPPED_PREFIX, Buffer.from(address.toByteArray())]);
  return Buffer.from(address.toByteArray());
}

/** The 16-byte key of an address text, or undefined when it is not an address. */
export function addressKey(text: string): Buffer | undefined {
  const address = parseAddress(text);
  return address ? keyOf(address) : undefined;
}

export interface CidrBounds {
  family: Family;
  prefixLength: number;
  /** The network written canonically (host bits cleared), e.g. 3.4.12.0/24. */
  cidr: string;
  start: Buffer;
  end: Buffer;
}

/** First and last key of a CIDR block; host bits set in the address are cleared. Undefined when invalid. */
export function cidrBounds(text: string): CidrBounds | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = parseAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1).trim();
  if (!address || !/^\d{1,3}$/.test(lengthText)) return undefined;
  const family: Family = address.kind() === 'ipv4' ? 4 : 6;
  const prefixLength = Number(lengthText);
  const bits = family === 4 ? 32 : 128;
  if (prefixLength > bits) return undefined;
  const start = keyOf(address);
  const end = Buffer.from(start);
  // The host part of the key: the last (bits - prefixLength) bits of the 16 bytes.
  for (let bit = 128 - (bits - prefixLength); bit < 128; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    start[byte] = (start[byte] ?? 0) & ~mask;
    end[byte] = (end[byte] ?? 0) | mask;
  }
  const network =
    family === 4 ? ipaddr.fromByteArray([...start.subarray(12)]) : ipaddr.fromByteArray([...start]);
  return { family, prefixLength, cidr: `${network.toString()}/${prefixLength}`, start, end };
}

/** Key + 1 or - 1 (for splitting ranges); callers never step past ::/ffff:...:ffff. */
export function stepKey(key: Buffer, delta: 1 | -1): Buffer {
  const out = Buffer.from(key);
  for (let i = 15; i >= 0; i--) {
    const value = (out[i] ?? 0) + delta;
    out[i] = value & 0xff;
    if (value >= 0 && value <= 0xff) break;
  }
  return out;
}

/** Text of a key: IPv4 for the mapped block, else IPv6. */
export function keyToText(key: Buffer): string {
  if (key.subarray(0, 12).equals(MAPPED_PREFIX)) return [...key.subarray(12)].join('.');
  return ipaddr.fromByteArray([...key]).toString();
}

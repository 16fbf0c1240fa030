/**
 * IP classes (the original's table). The same blocks seed PiXL.IpClassRange (migration 0020), where classification
 * is a range seek; test/enrich.ipClass.db.test.ts checks that table against IP_CLASS_BLOCKS below.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) has the key of its IPv4, so it gets its IPv4's class.
 */
import { addressKey, cidrBounds } from '../../src/enrich/ip.js';
import { flattenRanges } from '../../src/enrich/ranges/flatten.js';
import type { IpRange } from '../../src/enrich/ranges/types.js';

export const IP_CLASSES = [
  'Public',
  'Private',
  'Loopback',
  'LinkLocal',
  'CGNAT',
  'Documentation',
  'Benchmark',
  'Multicast',
  'Reserved',
  'Broadcast',
  'Unspecified',
  'Invalid',
] as const;
export type IpClass = (typeof IP_CLASSES)[number];

/**
 * Every block that is not Public. Blocks nest (255.255.255.255 inside 240/4): the longest prefix wins.
 * Beyond the reference: 0/8 "this network" and 2001:2::/48 (RFC 5180 benchmarking), as IANA lists them.
 */
export const IP_CLASS_BLOCKS: readonly (readonly [string, Exclude<IpClass, 'Public' | 'Invalid'>])[] = [
  ['0.0.0.0/32', 'Unspecified'],
  ['0.0.0.0/8', 'Reserved'],
  ['10.0.0.0/8', 'Private'],
  ['100.64.0.0/10', 'CGNAT'],
  ['127.0.0.0/8', 'Loopback'],
  ['169.254.0.0/16', 'LinkLocal'],
  ['172.16.0.0/12', 'Private'],
  ['192.0.0.0/24', 'Reserved'],
  ['192.0.2.0/24', 'Documentation'],
  ['192.168.0.0/16', 'Private'],
  ['198.18.0.0/15', 'Benchmark'],
  ['198.51.100.0/24', 'Documentation'],
  ['203.0.113.0/24', 'Documentation'],
  ['224.0.0.0/4', 'Multicast'],
  ['240.0.0.0/4', 'Reserved'],
  ['255.255.255.255/32', 'Broadcast'],
  ['::/128', 'Unspecified'],
  ['::1/128', 'Loopback'],
  ['64:ff9b::/96', 'Reserved'],
  ['100::/64', 'Reserved'],
  ['2001::/32', 'Reserved'],
  ['2001:2::/48', 'Benchmark'],
  ['2001:db8::/32', 'Documentation'],
  ['2002::/16', 'Reserved'],
  ['3fff::/20', 'Documentation'],
  ['fc00::/7', 'Private'],
  ['fe80::/10', 'LinkLocal'],
  ['ff00::/8', 'Multicast'],
];

export interface IpClassRange {
  start: Buffer;
  end: Buffer;
  ipClass: IpClass;
  cidr: string;
}

/** The non-overlapping rows of PiXL.IpClassRange, in address order. */
export const IP_CLASS_RANGES: readonly IpClassRange[] = flattenRanges(
  IP_CLASS_BLOCKS.map(([cidr, ipClass]) => {
    const b = cidrBounds(cidr);
    if (!b) throw new Error(`bad class block ${cidr}`);
    // The range type carries the class in `service`; flattening is the same job as for provider blocks.
    return { provider: 'aws', ...b, region: null, service: ipClass } satisfies IpRange;
  }),
).map((r) => ({ start: r.start, end: r.end, ipClass: r.service as IpClass, cidr: r.cidr }));

/** The class of a 16-byte key: a binary search over the non-overlapping ranges. */
export function classOfKey(key: Buffer): IpClass {
  let lo = 0;
  let hi = IP_CLASS_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = IP_CLASS_RANGES[mid] as IpClassRange;
    if (Buffer.compare(key, range.start) < 0) hi = mid - 1;
    else if (Buffer.compare(key, range.end) > 0) lo = mid + 1;
    else return range.ipClass;
  }
  return 'Public';
}

/** The class of an address text in any usual form; Invalid when it is not an address. */
export function ipClass(text: string | null | undefined): IpClass {
  const key = text ? addressKey(text) : undefined;
  return key ? classOfKey(key) : 'Invalid';
}

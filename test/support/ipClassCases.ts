/**
 * Addresses to classify: the first and last address of every class block and the addresses just outside,
 * each with its class from an independent oracle (ipaddr.js matching, longest prefix wins), plus fixed cases.
 */
import ipaddr from 'ipaddr.js';
import { cidrBounds, keyToText, stepKey } from '../../src/enrich/ip.js';
import { IP_CLASS_BLOCKS, type IpClass } from './ipClassModel.js';

function oracle(text: string): IpClass {
  let address = ipaddr.parse(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress())
    address = (address as ipaddr.IPv6).toIPv4Address();
  let best: { length: number; ipClass: IpClass } | undefined;
  for (const [cidr, ipClass] of IP_CLASS_BLOCKS) {
    const [net, length] = ipaddr.parseCIDR(cidr);
    if (net.kind() === address.kind() && address.match(net, length) && (!best || length > best.length))
      best = { length, ipClass };
  }
  return best?.ipClass ?? 'Public';
}

export function edgeCases(): [string, IpClass][] {
  const out = new Map<string, IpClass>();
  for (const [cidr] of IP_CLASS_BLOCKS) {
    const b = cidrBounds(cidr);
    if (!b) throw new Error(cidr);
    const keys = [b.start, b.end];
    if (!b.start.equals(Buffer.alloc(16))) keys.push(stepKey(b.start, -1));
    if (!b.end.equals(Buffer.alloc(16, 0xff))) keys.push(stepKey(b.end, 1));
    for (const key of keys) {
      const text = keyToText(key);
      out.set(text, oracle(text));
    }
  }
  return [...out];
}

/** Written by hand: the reference's classes at their edges, IPv6, mapped IPv4 and garbage. */
export const FIXED_CASES: [string, IpClass][] = [
  ['8.8.8.8', 'Public'],
  ['9.255.255.255', 'Public'],
  ['10.0.0.0', 'Private'],
  ['10.255.255.255', 'Private'],
  ['11.0.0.0', 'Public'],
  ['172.15.255.255', 'Public'],
  ['172.16.0.0', 'Private'],
  ['172.31.255.255', 'Private'],
  ['172.32.0.0', 'Public'],
  ['192.168.1.1', 'Private'],
  ['127.0.0.1', 'Loopback'],
  ['169.254.0.0', 'LinkLocal'],
  ['169.253.255.255', 'Public'],
  ['100.63.255.255', 'Public'],
  ['100.64.0.0', 'CGNAT'],
  ['100.127.255.255', 'CGNAT'],
  ['100.128.0.0', 'Public'],
  ['192.0.2.255', 'Documentation'],
  ['198.51.100.7', 'Documentation'],
  ['203.0.113.0', 'Documentation'],
  ['198.17.255.255', 'Public'],
  ['198.18.0.0', 'Benchmark'],
  ['198.19.255.255', 'Benchmark'],
  ['198.20.0.0', 'Public'],
  ['223.255.255.255', 'Public'],
  ['224.0.0.0', 'Multicast'],
  ['239.255.255.255', 'Multicast'],
  ['240.0.0.0', 'Reserved'],
  ['255.255.255.254', 'Reserved'],
  ['255.255.255.255', 'Broadcast'],
  ['192.0.0.8', 'Reserved'],
  ['0.0.0.0', 'Unspecified'],
  ['0.0.0.1', 'Reserved'],
  ['1.0.0.0', 'Public'],
  ['::', 'Unspecified'],
  ['::1', 'Loopback'],
  ['::2', 'Public'],
  ['2001:db8::1', 'Documentation'],
  ['2001:db9::', 'Public'],
  ['3fff::', 'Documentation'],
  ['3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff', 'Documentation'],
  ['3fff:1000::', 'Public'],
  ['fc00::', 'Private'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'Private'],
  ['fe00::', 'Public'],
  ['fe80::1', 'LinkLocal'],
  ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'LinkLocal'],
  ['fec0::', 'Public'],
  ['ff02::1', 'Multicast'],
  ['2001::1', 'Reserved'],
  ['2001:1::', 'Public'],
  ['2001:2::', 'Benchmark'],
  ['2002:c000:204::1', 'Reserved'],
  ['64:ff9b::808:808', 'Reserved'],
  ['100::1', 'Reserved'],
  ['2606:4700::1', 'Public'],
  ['::ffff:10.1.2.3', 'Private'],
  ['::ffff:a01:203', 'Private'],
  ['::ffff:8.8.8.8', 'Public'],
  ['::ffff:255.255.255.255', 'Broadcast'],
  ['::ffff:0.0.0.0', 'Unspecified'],
  ['::fffe:ffff:ffff', 'Public'],
  ['', 'Invalid'],
  ['garbage', 'Invalid'],
  ['1.2.3', 'Invalid'],
  ['256.1.1.1', 'Invalid'],
  ['01.2.3.4', 'Invalid'],
  ['1.2.3.4.5', 'Invalid'],
  ['1::2::3', 'Invalid'],
  ['12345::', 'Invalid'],
  [':::', 'Invalid'],
  ['1:2:3:4:5:6:7:8:9', 'Invalid'],
  ['1:2:3:4:5:6:7', 'Invalid'],
  ['g::1', 'Invalid'],
];

import { describe, expect, it } from 'vitest';
import { addressKey } from '../src/enrich/ip.js';
import { edgeCases, FIXED_CASES } from './support/ipClassCases.js';
import { IP_CLASS_BLOCKS, IP_CLASS_RANGES, ipClass } from './support/ipClassModel.js';

describe('ipClass (TypeScript)', () => {
  it.each(FIXED_CASES)('%s is %s', (ip, expected) => {
    expect(ipClass(ip)).toBe(expected);
  });

  it('classifies the first, last and neighbouring address of every block like ipaddr.js matching', () => {
    const cases = edgeCases();
    expect(cases.length).toBeGreaterThan(IP_CLASS_BLOCKS.length * 2);
    for (const [ip, expected] of cases) expect([ip, ipClass(ip)]).toEqual([ip, expected]);
  });

  it('classifies IPv4-mapped IPv6 as its IPv4 and accepts any IPv6 spelling', () => {
    expect(ipClass('::FFFF:192.168.0.1')).toBe('Private');
    expect(ipClass('0:0:0:0:0:ffff:c0a8:1')).toBe('Private');
    expect(ipClass('FE80:0000::0001')).toBe('LinkLocal');
    expect(ipClass(null)).toBe('Invalid');
  });

  it('has non-overlapping class ranges in address order', () => {
    for (let i = 1; i < IP_CLASS_RANGES.length; i++) {
      const prev = IP_CLASS_RANGES[i - 1];
      const next = IP_CLASS_RANGES[i];
      expect(prev && next && Buffer.compare(prev.end, next.start) < 0).toBe(true);
    }
    expect(addressKey('10.0.0.0')?.toString('hex')).toBe('00000000000000000000ffff0a000000');
  });
});

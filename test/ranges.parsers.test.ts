import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { addressKey, cidrBounds, keyToText } from '../src/enrich/ip.js';
import { flattenRanges } from '../src/enrich/ranges/flatten.js';
import { FormatError } from '../src/enrich/ranges/parsers/formatError.js';
import { PROVIDER_FORMATS } from '../src/enrich/ranges/providers.js';
import { type IpRange, PROVIDERS } from '../src/enrich/ranges/types.js';
import { fixtureBodies, publishedBlockCount } from './support/rangeFixtures.js';

describe('provider parsers on the real published files', () => {
  it.each(PROVIDERS)('%s: every published block parses, none rejected', (provider) => {
    const result = PROVIDER_FORMATS[provider].parse(fixtureBodies(provider));
    expect(result.rejected).toBe(0);
    expect(result.ranges.length).toBe(publishedBlockCount(provider));
    expect(result.ranges.every((r) => r.provider === provider)).toBe(true);
    // Both families where the provider publishes both.
    const families = new Set(result.ranges.map((r) => r.family));
    expect(families).toEqual(provider === 'oracle' ? new Set([4]) : new Set([4, 6]));
  });

  it('keeps region and service where the file has them', () => {
    const aws = PROVIDER_FORMATS.aws.parse(fixtureBodies('aws')).ranges;
    expect(aws).toContainEqual(
      expect.objectContaining({ cidr: '3.5.140.0/22', region: 'ap-northeast-2', service: 'S3', family: 4 }),
    );
    const gcp = PROVIDER_FORMATS.gcp.parse(fixtureBodies('gcp')).ranges;
    expect(gcp).toContainEqual(
      expect.objectContaining({ cidr: '34.35.0.0/16', region: 'africa-south1', service: 'Google Cloud' }),
    );
    const azure = PROVIDER_FORMATS.azure.parse(fixtureBodies('azure')).ranges;
    expect(azure).toContainEqual(
      expect.objectContaining({ cidr: '4.145.74.52/30', region: null, service: 'ActionGroup' }),
    );
    const oracle = PROVIDER_FORMATS.oracle.parse(fixtureBodies('oracle')).ranges;
    expect(oracle).toContainEqual(
      expect.objectContaining({ cidr: '129.80.0.0/16', region: 'us-ashburn-1', service: 'OCI' }),
    );
    const linode = PROVIDER_FORMATS.linode.parse(fixtureBodies('linode')).ranges;
    expect(linode).toContainEqual(expect.objectContaining({ cidr: '2600:3c00::/32', region: 'US-TX' }));
    const digitalocean = PROVIDER_FORMATS.digitalocean.parse(fixtureBodies('digitalocean')).ranges;
    expect(digitalocean).toContainEqual(expect.objectContaining({ cidr: '5.101.96.0/21', region: 'NL-NH' }));
  });

  it('stores IPv4 as IPv4-mapped IPv6 keys and clears host bits', () => {
    const b = cidrBounds('3.4.12.4/24');
    expect(b?.cidr).toBe('3.4.12.0/24');
    expect(b?.start.toString('hex')).toBe('00000000000000000000ffff03040c00');
    expect(b?.end.toString('hex')).toBe('00000000000000000000ffff03040cff');
    const v6 = cidrBounds('2600:1f18::/33');
    expect(v6?.end.toString('hex')).toBe('26001f187fffffffffffffffffffffff');
    expect(addressKey('::ffff:3.4.12.9')?.equals(addressKey('3.4.12.9') as Buffer)).toBe(true);
    expect(keyToText(b?.end as Buffer)).toBe('3.4.12.255');
  });

  it('counts garbage lines and entries instead of failing', () => {
    const list = PROVIDER_FORMATS.cloudflare.parse([
      '173.245.48.0/20\nnot a block\n10.0.0.0/33\n1.2.3.4\n0.0.0.0/0\n\n# comment\n',
      '2400:cb00::/32\r\n2400:cb00::/xx\r\n',
    ]);
    expect(list.ranges.map((r) => r.cidr)).toEqual(['173.245.48.0/20', '2400:cb00::/32']);
    expect(list.rejected).toBe(5);
    const feed = PROVIDER_FORMATS.linode.parse([
      '# header\n2600:3c00::/32,US,US-TX,Richardson,\n,,,\nx,US,,,\n',
    ]);
    expect(feed.ranges).toHaveLength(1);
    expect(feed.rejected).toBe(2);
    const aws = PROVIDER_FORMATS.aws.parse([
      JSON.stringify({
        prefixes: [{ ip_prefix: '3.0.0.0/15' }, 'junk', { ip_prefix: 'x' }],
        ipv6_prefixes: [null],
      }),
    ]);
    expect(aws.ranges).toHaveLength(1);
    expect(aws.rejected).toBe(3);
  });

  it('rejects a whole document that is not the format (truncated JSON, an HTML page)', () => {
    const truncated = (fixtureBodies('aws')[0] ?? '').slice(0, 50_000);
    expect(() => PROVIDER_FORMATS.aws.parse([truncated])).toThrow(FormatError);
    expect(() => PROVIDER_FORMATS.gcp.parse(['{"prefixes": 3}'])).toThrow(FormatError);
    expect(() => PROVIDER_FORMATS.azure.parse(['<html>503</html>'])).toThrow(FormatError);
    expect(() => PROVIDER_FORMATS.oracle.parse([''])).toThrow(FormatError);
    expect(() => PROVIDER_FORMATS.digitalocean.parse(['<html>\n<body>gone</body>\n</html>'])).toThrow(
      FormatError,
    );
    expect(() => PROVIDER_FORMATS.cloudflare.parse(['<!doctype html>', ''])).toThrow(FormatError);
  });
});

describe('flattening nested blocks', () => {
  const block = (cidr: string, service: string): IpRange => {
    const b = cidrBounds(cidr);
    if (!b) throw new Error(cidr);
    return { provider: 'aws', ...b, region: null, service };
  };
  const holder = (ranges: IpRange[], ip: string) => {
    const k = addressKey(ip) as Buffer;
    return ranges.find((r) => Buffer.compare(r.start, k) <= 0 && Buffer.compare(r.end, k) >= 0);
  };
  const cidrAt = (ranges: IpRange[], ip: string) => holder(ranges, ip)?.cidr;

  it('splits a parent around its children and keeps the most specific block per address', () => {
    const flat = flattenRanges([
      block('10.0.0.0/8', 'outer'),
      block('10.1.0.0/16', 'middle'),
      block('10.1.2.0/24', 'inner'),
      block('10.255.255.0/24', 'last'),
      block('10.0.0.0/24', 'first'),
    ]);
    expect(flat.map((r) => `${keyToText(r.start)}-${keyToText(r.end)} ${r.service}`)).toEqual([
      '10.0.0.0-10.0.0.255 first',
      '10.0.1.0-10.0.255.255 outer',
      '10.1.0.0-10.1.1.255 middle',
      '10.1.2.0-10.1.2.255 inner',
      '10.1.3.0-10.1.255.255 middle',
      '10.2.0.0-10.255.254.255 outer',
      '10.255.255.0-10.255.255.255 last',
    ]);
    expect(flat.find((r) => r.service === 'outer')?.cidr).toBe('10.0.0.0/8');
  });

  it('keeps the better-ranked entry of a block listed twice', () => {
    const flat = flattenRanges([block('3.5.140.0/22', 'AMAZON'), block('3.5.140.0/22', 'S3')], (r) =>
      r.service === 'AMAZON' ? 1 : 0,
    );
    expect(flat.map((r) => r.service)).toEqual(['S3']);
  });

  it.each(PROVIDERS)(
    '%s: flattened ranges do not overlap and answer like the published blocks',
    (provider) => {
      const format = PROVIDER_FORMATS[provider];
      const blocks = format.parse(fixtureBodies(provider)).ranges;
      const flat = flattenRanges(blocks, format.rank);
      for (let i = 1; i < flat.length; i++) {
        expect(Buffer.compare((flat[i - 1] as IpRange).end, (flat[i] as IpRange).start)).toBeLessThan(0);
      }
      // Addresses at the edges of about 150 blocks: the innermost published block decides (checked with ipaddr.js).
      const nets = blocks.map((x) => ipaddr.parseCIDR(x.cidr));
      const step = Math.max(1, Math.floor(blocks.length / 150));
      for (const b of blocks.filter((_, i) => i % step === 0)) {
        for (const key of [b.start, b.end]) {
          const ip = keyToText(key);
          const parsed = ipaddr.parse(ip);
          const holding = blocks.filter((_, i) => {
            const [net, len] = nets[i] as [ipaddr.IPv4 | ipaddr.IPv6, number];
            return net.kind() === parsed.kind() && parsed.match(net, len);
          });
          const longest = Math.max(...holding.map((x) => x.prefixLength));
          const innermost = holding.find((x) => x.prefixLength === longest);
          expect(cidrAt(flat, ip)).toBe(innermost?.cidr);
        }
      }
    },
  );
});

import { describe, expect, it } from 'vitest';
import { captureHit, parsePixelTarget } from '../src/capture/captureHit.js';
import { normaliseAddress, resolveClientIp } from '../src/capture/clientIp.js';
import { TRANSPARENT_GIF } from '../src/capture/gif.js';
import { parseSettings } from '../src/config.js';

const capture = parseSettings({ DATABASE_URL: 'postgres://x' }).capture;
const headersOf = (h: Record<string, string>) => (name: string) => h[name.toLowerCase()] ?? null;

describe('pixel path', () => {
  it('accepts the suffix in any case and the beacon variant', () => {
    expect(parsePixelTarget('12800', '1_SMART.GIF')).toEqual({
      companyId: '12800',
      pixelId: '1',
      variant: 'gif',
    });
    expect(parsePixelTarget('12800', 'main_px_smart.gif')).toEqual({
      companyId: '12800',
      pixelId: 'main_px',
      variant: 'gif',
    });
    expect(parsePixelTarget('a-b', 'x_Smart.Data')).toEqual({
      companyId: 'a-b',
      pixelId: 'x',
      variant: 'beacon',
    });
  });

  it('refuses ids outside ^[A-Za-z0-9_-]{1,64}$ and other files', () => {
    expect(parsePixelTarget('12800', '1.gif')).toBe('bad-path');
    expect(parsePixelTarget('12800', '_SMART.GIF')).toBe('bad-path');
    expect(parsePixelTarget('128 00', '1_SMART.GIF')).toBe('bad-id');
    expect(parsePixelTarget('x'.repeat(65), '1_SMART.GIF')).toBe('bad-id');
    expect(parsePixelTarget('12800', "1';--_SMART.GIF")).toBe('bad-id');
  });

  it('answers the reference GIF bytes', () => {
    expect(TRANSPARENT_GIF.toString('base64')).toBe(
      'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
    );
    expect(TRANSPARENT_GIF.subarray(0, 6).toString()).toBe('GIF89a');
  });
});

describe('client address', () => {
  const socketAddress = '10.0.0.9';
  it('believes only configured sources, in order, and falls back to the socket', () => {
    const header = headersOf({ 'x-real-ip': '1.1.1.1', 'cf-connecting-ip': '2.2.2.2' });
    expect(resolveClientIp({ header, socketAddress }, ['client-ip', 'x-forwarded-for'], 1)).toBe('10.0.0.9');
    expect(resolveClientIp({ header, socketAddress }, ['cf-connecting-ip'], 1)).toBe('2.2.2.2');
  });

  it('behind Front Door believes its socket address, not the client address a client can write', () => {
    // A client sends X-Forwarded-For: 203.0.113.9, which Front Door makes its X-Azure-ClientIP.
    const header = headersOf({ 'x-azure-clientip': '203.0.113.9', 'x-azure-socketip': '198.51.100.4' });
    const { clientIpSources } = parseSettings({
      DATABASE_URL: 'postgres://x',
      CLIENT_IP_SOURCES: 'x-azure-socketip,client-ip',
    }).capture;
    expect(resolveClientIp({ header }, clientIpSources, 1)).toBe('198.51.100.4');
  });

  it('counts trusted hops from the right of X-Forwarded-For', () => {
    const header = headersOf({ 'x-forwarded-for': '6.6.6.6, 203.0.113.5:5123, 198.51.100.1' });
    expect(resolveClientIp({ header }, ['x-forwarded-for'], 1)).toBe('198.51.100.1');
    expect(resolveClientIp({ header }, ['x-forwarded-for'], 2)).toBe('203.0.113.5');
    // More hops than entries: nothing trustworthy in the header.
    expect(resolveClientIp({ header, socketAddress }, ['x-forwarded-for'], 4)).toBe('10.0.0.9');
  });

  it('reads App Service client-ip with its port, and IPv6 forms', () => {
    expect(
      resolveClientIp({ header: headersOf({ 'client-ip': '203.0.113.7:61234' }) }, ['client-ip'], 1),
    ).toBe('203.0.113.7');
    expect(normaliseAddress('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(normaliseAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normaliseAddress('::ffff:192.0.2.33')).toBe('192.0.2.33');
    expect(normaliseAddress('[::ffff:c000:221]:80')).toBe('192.0.2.33');
    expect(normaliseAddress('fe80::1%eth0')).toBe('fe80::1');
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', 'unknown', '999.1.1.1', '127.1', '1.2.3.4.5', '[::1', 'x:80', '<script>']) {
      expect(normaliseAddress(bad)).toBeUndefined();
    }
  });
});

describe('captureHit', () => {
  const target = { companyId: '12800', pixelId: '1', variant: 'gif' as const };
  const now = new Date('2026-11-24T10:00:00.123Z');

  it('captures path, query, allow-listed headers and a UUIDv7 of the capture time', () => {
    const hit = captureHit(
      target,
      {
        url: 'https://px.example/api/12800/1_SMART.GIF?sw=1920&_cp_email=a%40b.com',
        header: headersOf({
          'user-agent': 'UA',
          referer: 'https://site.example/',
          'sec-gpc': '1',
          cookie: 'secret=1',
          'client-ip': '203.0.113.9:1234',
        }),
      },
      now,
      capture,
    );
    expect(hit).toMatchObject({
      hitType: 'pixel',
      ip: '203.0.113.9',
      requestPath: '/api/12800/1_SMART.GIF',
      queryString: 'sw=1920&_cp_email=a%40b.com',
      queryTruncated: false,
      userAgent: 'UA',
      referer: 'https://site.example/',
      receivedAt: '2026-11-24T10:00:00.123Z',
    });
    expect(hit.headers).toEqual({
      'User-Agent': 'UA',
      Referer: 'https://site.example/',
      'Sec-GPC': '1',
      'Client-IP': '203.0.113.9:1234',
    });
    expect(hit.hitId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // UUIDv7 carries the capture time in its first 48 bits.
    expect(Number.parseInt(hit.hitId.replace(/-/g, '').slice(0, 12), 16)).toBe(now.getTime());
  });

  it('marks bare hits as legacy and beacons as beacon', () => {
    const header = headersOf({});
    expect(captureHit(target, { url: 'http://h/api/1/1_SMART.GIF', header }, now, capture).hitType).toBe(
      'legacy',
    );
    const beacon = { ...target, variant: 'beacon' as const };
    expect(captureHit(beacon, { url: 'http://h/x?a=1', header }, now, capture).hitType).toBe('beacon');
    expect(captureHit(beacon, { url: 'http://h/x', header, body: 'b=2' }, now, capture).queryString).toBe(
      'b=2',
    );
  });

  it('cuts user agent and referer to 2000 chars and oversized query strings to the limit, flagged', () => {
    const long = 'x'.repeat(5000);
    const hit = captureHit(
      target,
      {
        url: `http://h/p?big=${'é'.repeat(20_000)}`,
        header: headersOf({ 'user-agent': long, referer: long }),
      },
      now,
      capture,
    );
    expect(hit.userAgent).toHaveLength(2000);
    expect(hit.referer).toHaveLength(2000);
    expect(Buffer.byteLength(hit.queryString)).toBeLessThanOrEqual(capture.maxQueryStringBytes);
    expect(hit.queryString.endsWith('é')).toBe(true);
    expect(hit.queryTruncated).toBe(true);
  });
});

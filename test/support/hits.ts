/** Builders of realistic hits for tests and benchmarks. */
import { v7 as uuidv7 } from 'uuid';
import type { CapturedHit } from '../../src/capture/hit.js';

export function makeHit(overrides: Partial<CapturedHit> = {}): CapturedHit {
  return {
    hitId: uuidv7(),
    hitType: 'pixel',
    companyId: '12800',
    pixelId: '1',
    ip: '203.0.113.7',
    requestPath: '/api/12800/1_SMART.GIF',
    queryString: 'sw=1920&sh=1080&tz=Europe%2FParis&_cp_email=a%40example.org',
    queryTruncated: false,
    headers: { 'User-Agent': 'Mozilla/5.0 test', 'Accept-Language': 'fr-FR' },
    userAgent: 'Mozilla/5.0 test',
    referer: 'https://example.com/page',
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}

/**
 * Builds a CapturedHit from an HTTP request, or says why the request is not recorded. Pure: time, ids and
 * settings come in as arguments, so every rule here is tested without a server.
 */
import { v7 as uuidv7 } from 'uuid';
import type { Settings } from '../config.js';
import { cutUtf8 } from '../text/utf8.js';
import { resolveClientIp } from './clientIp.js';
import { type CapturedHit, type HitType, ID_PATTERN, MAX_HEADER_VALUE_CHARS } from './hit.js';

/** Headers kept in HeadersJson when present (the original's list, plus Sec-GPC and the client hint asked for). */
export const CAPTURED_HEADERS = [
  'User-Agent',
  'Referer',
  'Accept-Language',
  'DNT',
  'Sec-GPC',
  'X-Forwarded-For',
  'X-Real-IP',
  'CF-Connecting-IP',
  'True-Client-IP',
  'X-Azure-ClientIP',
  'Client-IP',
  'Sec-CH-UA',
  'Sec-CH-UA-Platform',
  'Sec-CH-UA-Mobile',
  'Sec-CH-UA-Model',
  'Sec-CH-UA-Platform-Version',
  'Sec-CH-UA-Full-Version-List',
  'Sec-CH-UA-Arch',
  'Sec-CH-UA-Bitness',
  'Sec-Fetch-Site',
  'Sec-Fetch-Mode',
  'Sec-Fetch-Dest',
  'X-JA3-Fingerprint',
  'X-JA4-Fingerprint',
  'CF-JA3-Fingerprint',
  'X-TLS-Version',
  'X-TLS-Cipher',
] as const;

const PIXEL_FILE = /^(.+)_SMART\.(GIF|DATA)$/i;

export interface PixelTarget {
  companyId: string;
  pixelId: string;
  /** GIF answers the image; DATA is the beacon variant that answers 204. */
  variant: 'gif' | 'beacon';
}

export type DropReason = 'bad-path' | 'bad-id';

/** Reads `{companyId}/{pixelId}_SMART.GIF|DATA` (suffix in any case) from the route values. */
export function parsePixelTarget(
  companyId: string | undefined,
  pixelFile: string | undefined,
): PixelTarget | DropReason {
  const match = pixelFile ? PIXEL_FILE.exec(pixelFile) : null;
  if (!match || companyId === undefined) return 'bad-path';
  const pixelId = match[1] ?? '';
  if (!ID_PATTERN.test(companyId) || !ID_PATTERN.test(pixelId)) return 'bad-id';
  return { companyId, pixelId, variant: match[2]?.toUpperCase() === 'GIF' ? 'gif' : 'beacon' };
}

export interface RequestFacts {
  url: string;
  header(name: string): string | null;
  socketAddress?: string | undefined;
  /** Text of a POST body (sendBeacon senders put the parameters there). */
  body?: string | undefined;
  /** Only the body's first bytes were read (src/capture/body.ts). */
  bodyTruncated?: boolean | undefined;
}

const cut = (value: string | null, max = MAX_HEADER_VALUE_CHARS) => (value ?? '').slice(0, max);

export function captureHit(
  target: PixelTarget,
  request: RequestFacts,
  receivedAt: Date,
  capture: Settings['capture'],
): CapturedHit {
  const queryStart = request.url.indexOf('?');
  const pathEnd = queryStart < 0 ? request.url.length : queryStart;
  const pathStart = request.url.indexOf('/', request.url.indexOf('//') + 2);
  let query = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
  const hash = query.indexOf('#');
  if (hash >= 0) query = query.slice(0, hash);
  if (request.body) query = query ? `${query}&${request.body}` : request.body;

  const queryString = cutUtf8(query, capture.maxQueryStringBytes);
  const headers: Record<string, string> = {};
  for (const name of CAPTURED_HEADERS) {
    const value = request.header(name);
    if (value) headers[name] = cut(value);
  }
  const hitType: HitType = queryString === '' ? 'legacy' : target.variant === 'beacon' ? 'beacon' : 'pixel';

  return {
    hitId: uuidv7({ msecs: receivedAt.getTime() }),
    hitType,
    companyId: target.companyId,
    pixelId: target.pixelId,
    ip: resolveClientIp(request, capture.clientIpSources, capture.trustedProxyHops),
    requestPath: cut(request.url.slice(Math.max(0, pathStart), pathEnd), 4000),
    queryString,
    queryTruncated: queryString.length !== query.length || (request.bodyTruncated ?? false),
    headers,
    userAgent: cut(request.header('user-agent')),
    referer: cut(request.header('referer')),
    receivedAt: receivedAt.toISOString(),
  };
}

/**
 * The hit with every text it carries cut to half its size, and flagged truncated: for the one hit whose message
 * would not fit in a queue message (src/queue/groupCommit.ts), which is kept cut rather than lost. Each cap holds
 * alone (query, each header), so only the sum of many long headers beside a long query gets there.
 */
export function halveHit(hit: CapturedHit): CapturedHit {
  const half = (text: string) => cutUtf8(text, Math.floor(Buffer.byteLength(text) / 2));
  return {
    ...hit,
    requestPath: half(hit.requestPath),
    queryString: half(hit.queryString),
    queryTruncated: true,
    headers: Object.fromEntries(Object.entries(hit.headers).map(([name, value]) => [name, half(value)])),
    userAgent: half(hit.userAgent),
    referer: half(hit.referer),
  };
}

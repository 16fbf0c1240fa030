/**
 * HTTP functions `script` and `script-api`: GET /js/{companyId}/{pixelId}.js (and under /api/) answers the
 * collector script with the pixel URL and the pixel's client params filled in, from memory
 * (src/capture/pixelConfig.ts, src/capture/collectorScript.ts). Bad ids get 400 with a JS comment body.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { collectorTemplate, RenderedScripts, renderCollector } from '../capture/collectorScript.js';
import { ID_PATTERN } from '../capture/hit.js';
import { settings } from '../config.js';
import { defineHttp, onAppStart } from '../runtime/define.js';
import { count } from '../runtime/metrics.js';
import { pixelConfigCache } from '../runtime/services.js';

const JS_HEADERS = {
  'Content-Type': 'application/javascript; charset=utf-8',
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
} as const;

const jsError = (status: number, comment: string): HttpResponseInit => ({
  status,
  headers: { ...JS_HEADERS, 'Cache-Control': 'no-store' },
  body: `/* SmartPiXL: ${comment} */\n`,
});

const rendered = new RenderedScripts();

// The client params are read when the app starts, so the first script request finds them in memory.
onAppStart(() => pixelConfigCache().ready());

/** The pixel URL's base: PIXEL_BASE_URL, else the origin the script was asked from (with /api when it was). */
export function pixelBase(requestUrl: string, configured: string | undefined): string {
  if (configured) return configured;
  const url = new URL(requestUrl);
  return url.pathname.toLowerCase().startsWith('/api/') ? `${url.origin}/api` : url.origin;
}

export async function scriptHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const companyId = request.params.companyId ?? '';
  const file = /^(.*)\.js$/i.exec(request.params.scriptFile ?? '');
  const pixelId = file?.[1] ?? '';
  if (!ID_PATTERN.test(companyId) || !ID_PATTERN.test(pixelId)) {
    count('script.badId');
    return jsError(400, 'company and pixel ids must match ^[A-Za-z0-9_-]{1,64}$');
  }
  const config = settings().collector;
  let script: ReturnType<typeof renderCollector>;
  try {
    const cache = pixelConfigCache();
    await cache.ready();
    const base = pixelBase(request.url, config.pixelBaseUrl);
    script = rendered.get(cache.version, `${base} ${companyId}/${pixelId}`, () =>
      renderCollector(
        collectorTemplate(),
        `${base}/${companyId}/${pixelId}_SMART.GIF`,
        cache.getClientParams(companyId, pixelId),
      ),
    );
  } catch (error) {
    count('script.failed');
    context.error('collector script unavailable', error);
    return jsError(503, 'collector unavailable');
  }
  const headers = {
    ...JS_HEADERS,
    'Cache-Control': `public, max-age=${config.maxAgeSeconds}`,
    ETag: script.etag,
    Vary: 'Accept-Encoding',
  };
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === script.etag))
    return { status: 304, headers };
  return { status: 200, headers, body: request.method === 'HEAD' ? undefined : script.body };
}

export const scriptFunction = defineHttp({
  name: 'script',
  route: 'js/{companyId}/{scriptFile}',
  methods: ['GET', 'HEAD'],
  handler: scriptHandler,
});

export const scriptApiFunction = defineHttp({
  name: 'script-api',
  route: 'api/js/{companyId}/{scriptFile}',
  methods: ['GET', 'HEAD'],
  handler: scriptHandler,
});

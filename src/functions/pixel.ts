/**
 * HTTP functions `pixel` and `pixel-api`: GET|POST /{companyId}/{pixelId}_SMART.GIF at the host's root (the
 * path deployed pixels call) and the same under /api/, answer the 42-byte GIF; `_SMART.DATA` answers 204 (for
 * fetch/sendBeacon senders). The answer waits until the queue has accepted the message holding the hit, and
 * is the GIF whatever happens: a pixel never breaks its page. HEAD answers like GET and records nothing
 * (link checkers and CDNs probe with it).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { captureHit, parsePixelTarget } from '../capture/captureHit.js';
import { GIF_HEADERS, PIXEL_RESPONSE_HEADERS, TRANSPARENT_GIF } from '../capture/gif.js';
import { settings } from '../config.js';
import { defineHttp } from '../runtime/define.js';
import { count } from '../runtime/metrics.js';
import { socketAddressOf } from '../runtime/requestSocket.js';
import { hitBatcher } from '../runtime/services.js';

const gifAnswer = (): HttpResponseInit => ({
  status: 200,
  headers: { ...GIF_HEADERS },
  body: TRANSPARENT_GIF,
});
const noContent = (): HttpResponseInit => ({ status: 204, headers: { ...PIXEL_RESPONSE_HEADERS } });

/** POST bodies larger than this are not read (the query string limit applies to what is kept anyway). */
const MAX_BODY_BYTES = 64 * 1024;

async function readBody(request: HttpRequest): Promise<string | undefined> {
  if (request.method !== 'POST') return undefined;
  const length = Number(request.headers.get('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) {
    count('pixel.bodyTooLarge');
    return undefined;
  }
  const text = (await request.text()).trim();
  return text || undefined;
}

export async function pixelHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const target = parsePixelTarget(request.params.companyId, request.params.pixelFile);
  if (typeof target === 'string') {
    count(`pixel.dropped.${target}`);
    return gifAnswer();
  }
  const answer = target.variant === 'beacon' ? noContent : gifAnswer;
  if (request.method === 'HEAD') return answer();
  let hitId: string | undefined;
  try {
    const hit = captureHit(
      target,
      {
        url: request.url,
        header: (name) => request.headers.get(name),
        socketAddress: socketAddressOf(request),
        body: await readBody(request),
      },
      new Date(),
      settings().capture,
    );
    hitId = hit.hitId;
    const accepted = await hitBatcher().add(hit);
    count(accepted ? 'pixel.accepted' : 'pixel.lost');
    // Off by default: a line per hit costs log ingestion. With it, PiXL.Test's HitId finds the row. (A hit
    // that could not be queued is also in the enqueue.failed line that logs its whole message.)
    if (settings().telemetry.logHitIds)
      context.log(
        JSON.stringify({
          event: accepted ? 'pixel.accepted' : 'pixel.lost',
          invocationId: context.invocationId,
          hitId,
        }),
      );
  } catch (error) {
    count('pixel.failed');
    context.error(
      JSON.stringify({
        event: 'pixel.failed',
        invocationId: context.invocationId,
        hitId,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
  return answer();
}

// host.json's routePrefix is empty, so each function names its full path.
export const pixelFunction = defineHttp({
  name: 'pixel',
  route: '{companyId}/{pixelFile}',
  methods: ['GET', 'HEAD', 'POST'],
  handler: pixelHandler,
});

export const pixelApiFunction = defineHttp({
  name: 'pixel-api',
  route: 'api/{companyId}/{pixelFile}',
  methods: ['GET', 'HEAD', 'POST'],
  handler: pixelHandler,
});

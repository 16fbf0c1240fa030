/**
 * HTTP functions `pixel` and `pixel-api`: GET|POST /{companyId}/{pixelId}_SMART.GIF at the host's root (the
 * path deployed pixels call) and the same under /api/, answer the 42-byte GIF; `_SMART.DATA` answers 204 (for
 * fetch/sendBeacon senders). The answer waits until a queue or the durable spill holds the hit, and is the
 * GIF whatever happens: a pixel never breaks its page. HEAD answers like GET and records nothing (link
 * checkers and CDNs probe with it). A POST body past MAX_BODY_BYTES is the one exception: its hit is kept
 * (cut, as a long query string is) and answered 413.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { readBoundedBody } from '../capture/body.js';
import { captureHit, parsePixelTarget } from '../capture/captureHit.js';
import { GIF_HEADERS, PIXEL_RESPONSE_HEADERS, TRANSPARENT_GIF } from '../capture/gif.js';
import { settings } from '../config.js';
import { defineHttp, onAppStart } from '../runtime/define.js';
import { count } from '../runtime/metrics.js';
import { socketAddressOf } from '../runtime/requestSocket.js';
import { hitBatcher, hitDelivery } from '../runtime/services.js';

const gifAnswer = (): HttpResponseInit => ({
  status: 200,
  headers: { ...GIF_HEADERS },
  body: TRANSPARENT_GIF,
});
const noContent = (): HttpResponseInit => ({ status: 204, headers: { ...PIXEL_RESPONSE_HEADERS } });

const tooLarge = (): HttpResponseInit => ({ status: 413, headers: { ...PIXEL_RESPONSE_HEADERS } });

// When the app starts, re-send what a previous process left in the spill.
onAppStart(() => {
  hitDelivery();
});

export async function pixelHandler(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const target = parsePixelTarget(request.params.companyId, request.params.pixelFile);
  if (typeof target === 'string') {
    count(`pixel.dropped.${target}`);
    return gifAnswer();
  }
  let answer = target.variant === 'beacon' ? noContent : gifAnswer;
  if (request.method === 'HEAD') return answer();
  let hitId: string | undefined;
  try {
    const capture = settings().capture;
    // A bit more than the query-string limit is kept, so capture's own cut decides (and flags) the end.
    const body =
      request.method === 'POST'
        ? await readBoundedBody(request.body, capture.maxQueryStringBytes + 4, capture.maxBodyBytes)
        : undefined;
    if (body?.tooLarge) {
      count('pixel.bodyTooLarge');
      answer = tooLarge;
    }
    const hit = captureHit(
      target,
      {
        url: request.url,
        header: (name) => request.headers.get(name),
        socketAddress: socketAddressOf(request),
        body: body?.text.trim() || undefined,
        bodyTruncated: body?.truncated,
      },
      new Date(),
      capture,
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

/** POST bodies are read as a bounded stream: kept up to a limit, read up to a hard cap, never buffered whole. */
import { describe, expect, it } from 'vitest';
import { readBoundedBody } from '../src/capture/body.js';
import { captureHit } from '../src/capture/captureHit.js';
import { parseSettings } from '../src/config.js';

const capture = parseSettings({ DATABASE_URL: 'postgres://x' }).capture;

/** A lazy stream of `total` bytes in 16 KiB chunks, counting what was pulled from it. */
function lazyBody(total: number, fill = 'a') {
  const pulled = { bytes: 0 };
  const chunk = new TextEncoder().encode(fill.repeat(16 * 1024));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.bytes >= total) return controller.close();
      const part = chunk.subarray(0, Math.min(chunk.length, total - pulled.bytes));
      pulled.bytes += part.length;
      controller.enqueue(part);
    },
  });
  return { stream, pulled };
}

describe('bounded POST bodies', () => {
  it('reads a 64 MB body only up to the hard cap and keeps its first bytes', async () => {
    const { stream, pulled } = lazyBody(64 * 1024 * 1024);
    const body = await readBoundedBody(stream, 1000, 1024 * 1024);
    expect(body).toMatchObject({ text: 'a'.repeat(1000), truncated: true, tooLarge: true });
    expect(pulled.bytes).toBeLessThanOrEqual(1024 * 1024 + 2 * 16 * 1024);
  });

  it('reads a body under the cap whole, and flags it truncated only when more came than was kept', async () => {
    expect(await readBoundedBody(lazyBody(100).stream, 1000, 2000)).toEqual({
      text: 'a'.repeat(100),
      truncated: false,
      tooLarge: false,
      bytesRead: 100,
    });
    expect(await readBoundedBody(lazyBody(1500).stream, 1000, 2000)).toMatchObject({
      truncated: true,
      tooLarge: false,
    });
  });

  it('cuts a long body on a character boundary and flags the hit, as a long query string', async () => {
    // 'é' is two bytes: the kept bytes may end inside one, which the capture's cut drops.
    const { stream } = lazyBody(200_000, 'é');
    const body = await readBoundedBody(stream, capture.maxQueryStringBytes + 3, capture.maxBodyBytes);
    const hit = captureHit(
      { companyId: '1', pixelId: '2', variant: 'beacon' },
      {
        url: 'https://x/api/1/2_SMART.DATA?a=1',
        header: () => null,
        body: body.text,
        bodyTruncated: body.truncated,
      },
      new Date(),
      capture,
    );
    expect(hit.queryTruncated).toBe(true);
    expect(Buffer.byteLength(hit.queryString)).toBeLessThanOrEqual(capture.maxQueryStringBytes);
    expect(hit.queryString).toMatch(/^a=1&(é)+$/);
    expect(Buffer.byteLength(hit.queryString)).toBeGreaterThan(capture.maxQueryStringBytes - 2);
  });
});

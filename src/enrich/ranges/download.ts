/**
 * Downloads one published file: conditional (If-None-Match / If-Modified-Since from the last validators),
 * with a timeout and a size cap enforced while reading, and a body shorter than its Content-Length
 * reported as truncated. Failures are thrown as DownloadError with a short reason for the report.
 */

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type Downloaded = { kind: 'not-modified' } | ({ kind: 'body'; text: string } & Validators);

export interface DownloadLimits {
  timeoutMs: number;
  maxBytes: number;
}

export class DownloadError extends Error {
  override name = 'DownloadError';
}

export async function download(
  url: string,
  previous: Validators | null,
  limits: DownloadLimits,
): Promise<Downloaded> {
  const headers: Record<string, string> = { 'user-agent': 'SmartPiXL-ranges/1', accept: '*/*' };
  if (previous?.etag) headers['if-none-match'] = previous.etag;
  if (previous?.lastModified) headers['if-modified-since'] = previous.lastModified;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (error) {
    throw new DownloadError(`${describe(error, signal)} (${url})`);
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return { kind: 'not-modified' };
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new DownloadError(`HTTP ${response.status} (${url})`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel();
    throw new DownloadError(`oversized: ${declared} bytes > ${limits.maxBytes} (${url})`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new DownloadError(`oversized: more than ${limits.maxBytes} bytes (${url})`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    throw new DownloadError(`truncated after ${size} bytes: ${describe(error, signal)} (${url})`);
  }
  // With Content-Encoding the declared length is the compressed one; fetch itself rejects short bodies then.
  if (!response.headers.get('content-encoding') && Number.isFinite(declared) && size !== declared) {
    throw new DownloadError(`truncated: ${size} of ${declared} bytes (${url})`);
  }
  return {
    kind: 'body',
    text: new TextDecoder('utf-8').decode(Buffer.concat(chunks)),
    etag: response.headers.get('etag'),
    lastModified: response.headers.get('last-modified'),
  };
}

function describe(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timed out';
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

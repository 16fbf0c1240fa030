/**
 * Reads a POST body as a stream, whatever Content-Length says: the first `keepBytes` are kept, the rest is
 * read and discarded up to `capBytes`, where reading stops. Memory stays bounded by `keepBytes` plus one
 * chunk for any body, chunked or not.
 */
export interface BoundedBody {
  /** The kept bytes as UTF-8 text (a character cut at the end is dropped by the capture's own cut). */
  text: string;
  /** More bytes came than were kept. */
  truncated: boolean;
  /** The body went past the hard cap (reading stopped there). */
  tooLarge: boolean;
  bytesRead: number;
}

export async function readBoundedBody(
  stream: ReadableStream<Uint8Array> | null | undefined,
  keepBytes: number,
  capBytes: number,
): Promise<BoundedBody> {
  if (!stream) return { text: '', truncated: false, tooLarge: false, bytesRead: 0 };
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let bytesRead = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytesRead += value.byteLength;
      if (keptBytes < keepBytes) {
        const part = value.subarray(0, keepBytes - keptBytes);
        kept.push(part);
        keptBytes += part.byteLength;
      }
      if (bytesRead > capBytes) {
        await reader.cancel().catch(() => undefined);
        break;
      }
    }
  } finally {
    reader.releaseLock();
  }
  return {
    text: Buffer.concat(kept).toString('utf8'),
    truncated: bytesRead > keptBytes,
    tooLarge: bytesRead > capBytes,
    bytesRead,
  };
}

/**
 * The queue message format. A message carries many hits: Brotli (quality 1) of a JSON batch, as ASCII text
 * `SPX2.<base64>`, itself base64-encoded as the message body (the queue trigger's default encoding). The
 * double encoding is deliberate: the Node worker hands a trigger's decoded bytes to the handler as a UTF-8
 * string, so the bytes the host decodes must be text, or compressed data would be mangled.
 *
 * Why Brotli 1: compression is the pixel's largest cost per hit after HTTP itself. On 4.4 KB hits it takes
 * about a sixth of gzip level 6's CPU for messages about 12 % larger (bench/ingest.ts measures it). `SPX1.`
 * (gzip) messages, still in a queue or a spill from before, are decoded as before.
 */
import { promisify } from 'node:util';
import { brotliCompressSync, brotliDecompress, constants, gunzip } from 'node:zlib';
import { z } from 'zod';
import { type CapturedHit, capturedHitSchema } from '../capture/hit.js';

const unbrotliAsync = promisify(brotliDecompress);
const gunzipAsync = promisify(gunzip);

/** Storage Queue's limit for a message body, in characters of its (base64) text. */
export const MAX_QUEUE_MESSAGE_CHARS = 64 * 1024;
const PREFIX = 'SPX2.';
const GZIP_PREFIX = 'SPX1.';
const BROTLI_PARAMS = {
  [constants.BROTLI_PARAM_QUALITY]: 1,
  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  // A 256 KiB window holds any message's JSON (64 KiB of text, compressed); a smaller encoder to set up.
  [constants.BROTLI_PARAM_LGWIN]: 18,
};

const HEAD = Buffer.from('{"v":1,"hits":[');
const COMMA = Buffer.from(',');
const TAIL = Buffer.from(']}');

/**
 * Encodes already-serialised hits (JSON objects, as text or UTF-8 bytes) into a queue message body. The
 * batch's JSON is assembled as bytes: one joined string of ~5 KB hits, converted to UTF-8 for the
 * compressor, cost several times the compression itself (bench/ingest.ts, docs/PERFORMANCE.md).
 */
export async function encodeHitMessage(hitJson: readonly (string | Uint8Array)[]): Promise<string> {
  const parts: Uint8Array[] = [HEAD];
  hitJson.forEach((hit, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(typeof hit === 'string' ? Buffer.from(hit) : hit);
  });
  parts.push(TAIL);
  const json = Buffer.concat(parts);
  // Synchronous: ~10 µs per hit at quality 1, less CPU than handing the work to libuv's pool and back (a
  // message of ~30 hits holds the event loop for a fraction of a millisecond).
  const compressed = brotliCompressSync(json, {
    params: { ...BROTLI_PARAMS, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
  });
  const inner = PREFIX + compressed.toString('base64');
  return Buffer.from(inner, 'ascii').toString('base64');
}

const isHitText = (text: string) => text.startsWith(PREFIX) || text.startsWith(GZIP_PREFIX);

export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

export interface DecodedMessage {
  hits: CapturedHit[];
  /** Entries of the batch that are not valid hits, with the reason; kept for the error log. */
  invalid: { index: number; reason: string }[];
}

const envelopeSchema = z.object({ v: z.literal(1), hits: z.array(z.unknown()) });

/**
 * Decodes what a queue trigger delivers: the host has already undone the outer base64, so the payload is
 * `SPX1.<base64 gzip>`; a Buffer (binary data) or an outer-encoded body is accepted too.
 */
export async function decodeHitMessage(payload: unknown): Promise<DecodedMessage> {
  let text = Buffer.isBuffer(payload) ? payload.toString('utf8') : typeof payload === 'string' ? payload : '';
  if (!isHitText(text)) {
    const unwrapped = Buffer.from(text, 'base64').toString('latin1');
    if (!isHitText(unwrapped)) throw new MalformedMessageError('not a SmartPiXL hit message');
    text = unwrapped;
  }
  let envelope: z.infer<typeof envelopeSchema>;
  try {
    const compressed = Buffer.from(text.slice(PREFIX.length), 'base64');
    const raw = text.startsWith(PREFIX) ? await unbrotliAsync(compressed) : await gunzipAsync(compressed);
    const json = raw.toString('utf8');
    envelope = envelopeSchema.parse(JSON.parse(json));
  } catch (error) {
    throw new MalformedMessageError(`undecodable hit message: ${(error as Error).message}`);
  }
  const hits: CapturedHit[] = [];
  const invalid: DecodedMessage['invalid'] = [];
  envelope.hits.forEach((entry, index) => {
    const parsed = capturedHitSchema.safeParse(entry);
    if (parsed.success) hits.push(parsed.data);
    else
      invalid.push({
        index,
        reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
  });
  return { hits, invalid };
}

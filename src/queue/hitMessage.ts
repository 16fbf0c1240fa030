/**
 * The queue message format. A message carries many hits: gzip of a JSON batch, as ASCII text
 * `SPX1.<base64>`, itself base64-encoded as the message body (the queue trigger's default encoding). The
 * double encoding is deliberate: the Node worker hands a trigger's decoded bytes to the handler as a UTF-8
 * string, so the bytes the host decodes must be text, or gzip data would be mangled.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { z } from 'zod';
import { type CapturedHit, capturedHitSchema } from '../capture/hit.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Storage Queue's limit for a message body, in characters of its (base64) text. */
export const MAX_QUEUE_MESSAGE_CHARS = 64 * 1024;
const PREFIX = 'SPX1.';

/** Encodes already-serialised hits (JSON objects) into a queue message body. */
export async function encodeHitMessage(hitJson: readonly string[]): Promise<string> {
  const json = `{"v":1,"hits":[${hitJson.join(',')}]}`;
  const compressed = await gzipAsync(json, { level: 6 });
  const inner = PREFIX + compressed.toString('base64');
  return Buffer.from(inner, 'ascii').toString('base64');
}

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
  if (!text.startsWith(PREFIX)) {
    const unwrapped = Buffer.from(text, 'base64').toString('latin1');
    if (!unwrapped.startsWith(PREFIX)) throw new MalformedMessageError('not a SmartPiXL hit message');
    text = unwrapped;
  }
  let envelope: z.infer<typeof envelopeSchema>;
  try {
    const json = (await gunzipAsync(Buffer.from(text.slice(PREFIX.length), 'base64'))).toString('utf8');
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

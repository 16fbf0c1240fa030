/** A captured hit: what the pixel endpoint puts on the queue and the writer lands as one PiXL.Test row. */
import { z } from 'zod';

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_HEADER_VALUE_CHARS = 2000;

export const hitTypes = ['pixel', 'beacon', 'legacy'] as const;

export const capturedHitSchema = z.object({
  /** UUIDv7 made at capture: unique, and sorts by capture time. The writer is idempotent on it. */
  hitId: z.uuid(),
  /** pixel: GIF with signals; beacon: the 204 variant; legacy: a bare <img> hit without a query string. */
  hitType: z.enum(hitTypes),
  companyId: z.string().regex(ID_PATTERN),
  pixelId: z.string().regex(ID_PATTERN),
  ip: z.string().max(45),
  requestPath: z.string().max(4000),
  /** Everything after '?', verbatim (cut at MAX_QUERY_STRING_BYTES, then queryTruncated is set). */
  queryString: z.string(),
  queryTruncated: z.boolean(),
  headers: z.record(z.string(), z.string().max(MAX_HEADER_VALUE_CHARS)),
  userAgent: z.string().max(MAX_HEADER_VALUE_CHARS),
  referer: z.string().max(MAX_HEADER_VALUE_CHARS),
  /** ISO-8601 UTC with milliseconds. */
  receivedAt: z.iso.datetime(),
});

export type CapturedHit = z.infer<typeof capturedHitSchema>;
export type HitType = CapturedHit['hitType'];

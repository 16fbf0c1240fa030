/**
 * The hit writer's logic: decode one queue message, land its valid hits in one statement, and decide what
 * happens to the message when something is wrong.
 *
 * - The rows go through the process's coalescing writer (src/writer/coalesce.ts): messages handled at the same
 *   time share one bulk load and one commit, and each message's outcome stays its own.
 * - Malformed message, or some hits invalid: the valid hits are written, then the invocation fails, so the
 *   host retries and finally moves the message to the poison queue, where it can be inspected.
 * - Database unreachable, restarting, throttled, or a deadlock victim (Warehouse.isTransientError): the message is put back on the queue with a delay and the invocation succeeds, so
 *   an outage never burns the dequeue count into the poison queue. Re-sent hits are harmless: the insert
 *   is idempotent on HitId.
 */
import type { Warehouse } from '../db/types.js';
import { applyPrivacyToRows } from '../privacy/applyPrivacy.js';
import { decodeHitMessage } from '../queue/hitMessage.js';
import { type CoalescingHitWriter, coalescingWriterOf } from './coalesce.js';
import { toHitRow } from './hitRows.js';

export class InvalidHitsError extends Error {
  override name = 'InvalidHitsError';
}

export interface WriteOutcome {
  hits: number;
  inserted: number;
  requeued: boolean;
  /** Ids of the message's valid hits, in message order (for the hit-writer's trace line). */
  hitIds: string[];
  /** Valid hits whose User-Agent is a known bot (isbot). */
  knownBots: number;
}

export async function writeHitMessage(
  payload: unknown,
  db: Warehouse,
  requeue: (payload: string) => Promise<void>,
  writer: CoalescingHitWriter = coalescingWriterOf(db),
): Promise<WriteOutcome> {
  const { hits, invalid } = await decodeHitMessage(payload);
  let inserted = 0;
  const rows = hits.map(toHitRow);
  const hitIds = rows.map((r) => r.hitId);
  const knownBots = rows.reduce((n, r) => n + (r.isKnownBot ? 1 : 0), 0);
  try {
    // Addresses truncated and opted-out hits' client params dropped before anything is stored (src/privacy/).
    inserted = await writer.write(await applyPrivacyToRows(db, rows));
  } catch (error) {
    if (!db.isTransientError(error)) throw error;
    await requeue(typeof payload === 'string' ? payload : Buffer.from(payload as Buffer).toString('utf8'));
    return { hits: hits.length, inserted: 0, requeued: true, hitIds, knownBots: 0 };
  }
  if (invalid.length > 0) {
    throw new InvalidHitsError(
      `${invalid.length} invalid hit(s) in message (valid ones written): ${invalid
        .slice(0, 5)
        .map((i) => `#${i.index} ${i.reason}`)
        .join(' | ')}`,
    );
  }
  return { hits: hits.length, inserted, requeued: false, hitIds, knownBots };
}

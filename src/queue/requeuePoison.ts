/**
 * Moves the messages of a hit queue's poison queue back to the hit queue, for the writer to land them again
 * once the reason they failed is fixed (a writer of an earlier version that could not read a newer message
 * format, docs/DEPLOY.md; a database bug). A message is deleted from the poison queue only after the hit
 * queue accepted it: a crash in between leaves it in both, which the writer's idempotent insert absorbs.
 * Messages poisoned after the move started are left where they are, so a writer that fails them again
 * cannot make the move run forever.
 */
import type { QueueClient } from '@azure/storage-queue';
import { NEVER_EXPIRES } from './hitQueue.js';

/** How long a received poison message stays invisible to another mover while this one sends it. */
const RECEIVE_VISIBILITY_SECONDS = 60;

export interface RequeueOutcome {
  moved: number;
  /** Messages poisoned after the move started, left in the poison queue. */
  leftNewer: number;
}

export async function requeuePoison(
  poison: QueueClient,
  target: QueueClient,
  onProgress: (moved: number) => void | Promise<void> = () => {},
): Promise<RequeueOutcome> {
  const startedAt = Date.now();
  const outcome: RequeueOutcome = { moved: 0, leftNewer: 0 };
  const newerIds = new Set<string>();
  if (!(await poison.exists())) return outcome;
  for (;;) {
    const { receivedMessageItems } = await poison.receiveMessages({
      numberOfMessages: 32,
      visibilityTimeout: RECEIVE_VISIBILITY_SECONDS,
    });
    const older = receivedMessageItems.filter((m) => m.insertedOn.getTime() < startedAt);
    for (const newer of receivedMessageItems.filter((m) => !older.includes(m))) {
      // Visible again at once, as if never received.
      await poison.updateMessage(newer.messageId, newer.popReceipt, undefined, 0);
      newerIds.add(newer.messageId);
    }
    outcome.leftNewer = newerIds.size;
    if (older.length === 0) return outcome;
    for (const message of older) {
      await target.sendMessage(message.messageText, { messageTimeToLive: NEVER_EXPIRES });
      await poison.deleteMessage(message.messageId, message.popReceipt);
      outcome.moved++;
    }
    await onProgress(outcome.moved);
  }
}

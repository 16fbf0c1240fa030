/**
 * Queue function `hit-writer`: lands the hits of each `pixel-hits` message in PiXL.Test. Batch size,
 * message encoding and the poison queue (after maxDequeueCount) come from host.json.
 */
import type { InvocationContext } from '@azure/functions';
import { settings } from '../config.js';
import { NEVER_EXPIRES } from '../queue/hitQueue.js';
import { defineQueue } from '../runtime/define.js';
import { count } from '../runtime/metrics.js';
import { hitQueueClient, warehouse } from '../runtime/services.js';
import { writeHitMessage } from '../writer/writeHitMessage.js';

/** How long a message waits before another try while the database is unreachable. */
const DB_RETRY_DELAY_SECONDS = 30;

export async function hitWriterHandler(payload: unknown, context: InvocationContext): Promise<void> {
  try {
    const outcome = await writeHitMessage(payload, warehouse(), async (inner) => {
      // The payload is the host-decoded text; the queue body is its base64, as the trigger expects.
      await hitQueueClient().sendMessage(Buffer.from(inner, 'utf8').toString('base64'), {
        visibilityTimeout: DB_RETRY_DELAY_SECONDS,
        messageTimeToLive: NEVER_EXPIRES,
      });
    });
    count('writer.hits', outcome.hits);
    count('writer.inserted', outcome.inserted);
    if (outcome.requeued) {
      count('writer.requeued');
      context.warn(`database unreachable: message re-queued for ${DB_RETRY_DELAY_SECONDS}s`);
    } else if (outcome.inserted < outcome.hits) {
      count('writer.duplicates', outcome.hits - outcome.inserted);
    }
  } catch (error) {
    count('writer.failed');
    context.error(`hit-writer failed (dequeueCount ${String(context.triggerMetadata?.dequeueCount)})`, error);
    throw error;
  }
}

export const hitWriterFunction = defineQueue({
  name: 'hit-writer',
  queueName: settings().queue.name,
  connection: 'AzureWebJobsStorage',
  handler: hitWriterHandler,
});

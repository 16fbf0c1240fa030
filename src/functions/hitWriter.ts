/**
 * Queue function `hit-writer`: lands the hits of each `pixel-hits` message in PiXL.Test. Batch size,
 * message encoding and the poison queue (after maxDequeueCount) come from host.json. With
 * SECONDARY_QUEUE_STORAGE set, `hit-writer-secondary` does the same for the queue of that account.
 */
import type { InvocationContext } from '@azure/functions';
import type { QueueClient } from '@azure/storage-queue';
import { SECONDARY_QUEUE_CONNECTION, settings } from '../config.js';
import { readHostJson } from '../local/hostJson.js';
import { NEVER_EXPIRES } from '../queue/hitQueue.js';
import { defineQueue } from '../runtime/define.js';
import { count } from '../runtime/metrics.js';
import { hitQueueClient, secondaryHitQueueClient, warehouse } from '../runtime/services.js';
import { coalescingWriterOf } from '../writer/coalesce.js';
import { writeHitMessage } from '../writer/writeHitMessage.js';

/** How long a message waits before another try while the database is unreachable. */
const DB_RETRY_DELAY_SECONDS = 30;

let maxDequeueCount: number | undefined;

/** A writer of one queue: the primary, or the secondary in another storage account. */
function hitWriterOf(queue: () => QueueClient) {
  return (payload: unknown, context: InvocationContext) => writeHits(payload, context, queue);
}

async function writeHits(
  payload: unknown,
  context: InvocationContext,
  queue: () => QueueClient,
): Promise<void> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  const trace = {
    invocationId: context.invocationId,
    messageId: context.triggerMetadata?.id as string | undefined,
    dequeueCount,
  };
  try {
    const db = warehouse();
    const outcome = await writeHitMessage(
      payload,
      db,
      async (inner) => {
        // The payload is the host-decoded text; the queue body is its base64, as the trigger expects.
        await queue().sendMessage(Buffer.from(inner, 'utf8').toString('base64'), {
          visibilityTimeout: DB_RETRY_DELAY_SECONDS,
          messageTimeToLive: NEVER_EXPIRES,
        });
      },
      // Both queues' invocations share it: concurrent messages of this process go in one write.
      coalescingWriterOf(db, settings().writer),
    );
    count('writer.hits', outcome.hits);
    count('writer.inserted', outcome.inserted);
    count('writer.knownBots', outcome.knownBots);
    const duplicates = outcome.requeued ? 0 : outcome.hits - outcome.inserted;
    if (outcome.requeued) {
      count('writer.requeued');
      context.warn(
        JSON.stringify({ event: 'hit-writer.requeued', ...trace, delaySeconds: DB_RETRY_DELAY_SECONDS }),
      );
    } else if (duplicates > 0) {
      count('writer.duplicates', duplicates);
    }
    // One line per message: the invocation and queue message, and with LOG_HIT_IDS the hits it landed.
    context.log(
      JSON.stringify({
        event: outcome.requeued ? 'hit-writer.deferred' : 'hit-writer.landed',
        ...trace,
        hits: outcome.hits,
        inserted: outcome.inserted,
        duplicates,
        ...(settings().telemetry.logHitIds && { hitIds: outcome.hitIds }),
      }),
    );
  } catch (error) {
    count('writer.failed');
    maxDequeueCount ??= readHostJson().queues.maxDequeueCount;
    // The host moves the message to the poison queue after this failure.
    const poisoned = dequeueCount >= maxDequeueCount;
    if (poisoned) count('writer.poisoned');
    context.error(
      JSON.stringify({
        event: poisoned ? 'hit-writer.poisoned' : 'hit-writer.failed',
        ...trace,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
    throw error;
  }
}

export const hitWriterHandler = hitWriterOf(hitQueueClient);

export const hitWriterFunction = defineQueue({
  name: 'hit-writer',
  queueName: settings().queue.name,
  connection: 'AzureWebJobsStorage',
  handler: hitWriterHandler,
});

// The pixel sends to the second storage account while the primary queue is unreachable; read it too.
if (settings().queue.secondaryConnection) {
  defineQueue({
    name: 'hit-writer-secondary',
    queueName: settings().queue.name,
    connection: SECONDARY_QUEUE_CONNECTION,
    handler: hitWriterOf(() => secondaryHitQueueClient() as QueueClient),
  });
}

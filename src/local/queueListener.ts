/**
 * Runs a queue-triggered definition as the Functions host's queue extension does: polls with backoff up to
 * maxPollingInterval, takes up to batchSize messages, fetches more when fewer than newBatchThreshold are
 * running, decodes base64 bodies, deletes a message on success, makes it visible again after
 * visibilityTimeout on failure, and moves it to `<queue>-poison` once dequeueCount reaches maxDequeueCount.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { InvocationContext } from '../runtime/azureFunctions.js';
import type { QueueDefinition } from '../runtime/define.js';
import type { HostOptions } from './hostJson.js';

export interface QueueListener {
  stop(): Promise<void>;
  /** Messages finished so far, by outcome, and receive calls made (queue transactions; bench:ingest). */
  readonly stats: { succeeded: number; failed: number; poisoned: number; receives: number };
}

export function startQueueListener(
  definition: QueueDefinition,
  queue: QueueClient,
  poison: QueueClient,
  options: HostOptions['queues'],
): QueueListener {
  const stats = { succeeded: 0, failed: 0, poisoned: 0, receives: 0 };
  const running = new Set<Promise<void>>();
  let stopped = false;
  const abort = new AbortController();

  async function process(message: DequeuedMessageItem): Promise<void> {
    const payload =
      options.messageEncoding === 'base64'
        ? Buffer.from(message.messageText, 'base64').toString('utf8')
        : message.messageText;
    const context = new InvocationContext({
      functionName: definition.name,
      invocationId: crypto.randomUUID(),
      triggerMetadata: {
        id: message.messageId,
        dequeueCount: message.dequeueCount,
        insertionTime: message.insertedOn,
        expirationTime: message.expiresOn,
        popReceipt: message.popReceipt,
      },
      options: { trigger: { type: 'queueTrigger', name: 'queueItem' } as never },
    });
    try {
      await definition.handler(payload, context);
      stats.succeeded++;
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } catch {
      stats.failed++;
      if (message.dequeueCount >= options.maxDequeueCount) {
        // The host copies the original body to the poison queue, then deletes the message.
        await poison.createIfNotExists();
        await poison.sendMessage(message.messageText, { messageTimeToLive: -1 });
        await queue.deleteMessage(message.messageId, message.popReceipt);
        stats.poisoned++;
      } else {
        await queue.updateMessage(
          message.messageId,
          message.popReceipt,
          undefined,
          Math.round(options.visibilityTimeoutMs / 1000),
        );
      }
    }
  }

  async function loop(): Promise<void> {
    const minimumDelay = 100;
    let delay = minimumDelay;
    while (!stopped) {
      if (running.size > options.newBatchThreshold) {
        await Promise.race(running);
        continue;
      }
      let messages: DequeuedMessageItem[] = [];
      try {
        stats.receives++;
        const response = await queue.receiveMessages({
          numberOfMessages: options.batchSize,
          // While a message runs it stays hidden; 5 minutes is longer than any hit-writer call. A receive
          // whose answer is lost (connection reset) leaves its messages hidden that long too.
          visibilityTimeout: options.inFlightVisibilitySeconds ?? 300,
          abortSignal: abort.signal,
        });
        messages = response.receivedMessageItems;
      } catch (error) {
        if (stopped) break;
        if ((error as { statusCode?: number }).statusCode === 404) await queue.createIfNotExists();
        else console.error(`queue listener ${definition.name}: ${(error as Error).message}`);
      }
      for (const message of messages) {
        const task = process(message)
          .catch((error: unknown) => console.error(`queue listener ${definition.name}:`, error))
          .finally(() => running.delete(task));
        running.add(task);
      }
      // A full batch: more is waiting, fetch again at once. A partial one: the queue is drained, so wait
      // the minimum interval, as the host does, instead of hammering the queue service with small fetches.
      if (messages.length >= options.batchSize) {
        delay = minimumDelay;
        continue;
      }
      await sleep(messages.length > 0 ? minimumDelay : delay, undefined, { signal: abort.signal }).catch(
        () => undefined,
      );
      delay = messages.length > 0 ? minimumDelay : Math.min(delay * 2, options.maxPollingIntervalMs);
    }
  }

  const looping = loop();
  return {
    stats,
    async stop() {
      stopped = true;
      abort.abort();
      await looping;
      await Promise.allSettled(running);
    },
  };
}

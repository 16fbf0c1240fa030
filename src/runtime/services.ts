/**
 * Process-wide services, made on first use from the settings: the functions share one queue batcher and one
 * database pool per process. The local runner and tests swap the settings before first use.
 */

import type { QueueClient } from '@azure/storage-queue';
import { PixelConfigCache } from '../capture/pixelConfig.js';
import { settings } from '../config.js';
import { openWarehouse } from '../db/open.js';
import type { Warehouse } from '../db/types.js';
import { HitDelivery } from '../queue/delivery.js';
import { failedMessageLogLines } from '../queue/failedMessageLog.js';
import { GroupCommitQueue } from '../queue/groupCommit.js';
import { poisonQueueName, queueClient } from '../queue/hitQueue.js';
import { count, record } from './metrics.js';

let hitQueue: GroupCommitQueue | undefined;
let delivery: HitDelivery | undefined;
let secondaryClient: QueueClient | undefined;
let db: Warehouse | undefined;
let client: QueueClient | undefined;

let poisonClient: QueueClient | undefined;
let configCache: PixelConfigCache | undefined;

/** The pixels' client params, read from the warehouse and refreshed on a timer (src/capture/pixelConfig.ts). */
export function pixelConfigCache(): PixelConfigCache {
  configCache ??= new PixelConfigCache(
    { clientParams: () => warehouse().clientParams() },
    {
      refreshMs: settings().collector.configRefreshMs,
      onError: (error) => {
        count('collector.configLoadFailed');
        console.error(
          JSON.stringify({
            event: 'pixelConfig.loadFailed',
            error: error instanceof Error ? error.message : String(error),
          }),
        );
      },
    },
  );
  return configCache;
}

export function hitPoisonQueueClient(): QueueClient {
  const queue = settings().queue;
  poisonClient ??= queueClient(queue.connection, poisonQueueName(queue.name));
  return poisonClient;
}

export function hitQueueClient(): QueueClient {
  const queue = settings().queue;
  client ??= queueClient(queue.connection, queue.name);
  return client;
}

/** The hit queue in the second storage account, when SECONDARY_QUEUE_STORAGE is set. */
export function secondaryHitQueueClient(): QueueClient | undefined {
  const queue = settings().queue;
  if (!queue.secondaryConnection) return undefined;
  secondaryClient ??= queueClient(queue.secondaryConnection, queue.name);
  return secondaryClient;
}

/** Primary queue, secondary queue, spill; made on first use, which also starts re-sending the spill. */
export function hitDelivery(): HitDelivery {
  if (!delivery) {
    const queue = settings().queue;
    delivery = new HitDelivery({
      primary: hitQueueClient(),
      secondary: secondaryHitQueueClient(),
      budgetMs: queue.retryBudgetMs,
      spillDir: queue.spillDir,
      retryIntervalMs: queue.spillRetryIntervalMs,
    });
    delivery.start();
  }
  return delivery;
}

export function hitBatcher(): GroupCommitQueue {
  if (!hitQueue) {
    const queue = settings().queue;
    const deliver = hitDelivery().send;
    // Hits per message and how long until a queue or the spill held it (retries included): what answers wait for.
    const send = async (body: string, hits: number) => {
      const started = performance.now();
      await deliver(body, hits);
      record('enqueue.batchHits', hits);
      record('enqueue.latencyMs', performance.now() - started);
    };
    hitQueue = new GroupCommitQueue(send, queue, (error, body, hits) => {
      // Only when no queue took the message and the spill could not be written (or a queue refused the
      // message itself): the body is logged whole, in parts Application Insights keeps whole, as the last resort.
      count('enqueue.failedHits', hits);
      const message = error instanceof Error ? error.message : String(error);
      for (const line of failedMessageLogLines({ queue: queue.name, hits, error: message, body }))
        console.error(line);
    });
  }
  return hitQueue;
}

export function warehouse(): Warehouse {
  db ??= openWarehouse(settings().database);
  return db;
}

/** Sends what is batched and closes pools (local runner shutdown, tests). */
export async function closeServices(): Promise<void> {
  configCache?.stop();
  configCache = undefined;
  await hitQueue?.drain();
  await delivery?.stop();
  await db?.close();
  hitQueue = undefined;
  delivery = undefined;
  db = undefined;
  client = undefined;
  poisonClient = undefined;
  secondaryClient = undefined;
}

/**
 * Process-wide services, made on first use from the settings: the functions share one queue batcher and one
 * database pool per process. The local runner and tests swap the settings before first use.
 */

import type { QueueClient } from '@azure/storage-queue';
import { PixelConfigCache } from '../capture/pixelConfig.js';
import { settings } from '../config.js';
import { openWarehouse } from '../db/open.js';
import type { Warehouse } from '../db/types.js';
import { GroupCommitQueue } from '../queue/groupCommit.js';
import { createHitSender, poisonQueueName, queueClient } from '../queue/hitQueue.js';
import { count, record } from './metrics.js';

let hitQueue: GroupCommitQueue | undefined;
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

export function hitBatcher(): GroupCommitQueue {
  if (!hitQueue) {
    const queue = settings().queue;
    const sendOne = createHitSender(hitQueueClient(), queue);
    // Hits per message and how long the queue took to accept it (retries included): what answers wait for.
    const send = async (body: string, hits: number) => {
      const started = performance.now();
      await sendOne(body);
      record('enqueue.batchHits', hits);
      record('enqueue.latencyMs', performance.now() - started);
    };
    hitQueue = new GroupCommitQueue(send, queue, (error, body, hits) => {
      count('enqueue.failedHits', hits);
      // Never silent: the message body is logged whole, so the hits can be replayed onto the queue.
      console.error(
        JSON.stringify({
          event: 'enqueue.failed',
          queue: queue.name,
          hits,
          error: error instanceof Error ? error.message : String(error),
          messageBody: body,
        }),
      );
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
  await db?.close();
  hitQueue = undefined;
  db = undefined;
  client = undefined;
  poisonClient = undefined;
}

/** The Storage Queue of hits: one client per process, sends retried with backoff within a time budget. */
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultAzureCredential } from '@azure/identity';
import { type QueueClient, QueueServiceClient, type StoragePipelineOptions } from '@azure/storage-queue';
import type { QueueConnection } from '../config.js';

/** Hit messages never expire (Storage Queue's default is 7 days): an accepted hit waits out any outage. */
export const NEVER_EXPIRES = -1;

export function poisonQueueName(queueName: string): string {
  return `${queueName}-poison`;
}

export function queueClient(connection: QueueConnection, queueName: string): QueueClient {
  // Our own retry loop bounds the total time; the SDK's retries would multiply it.
  const options: StoragePipelineOptions = {
    retryOptions: { maxTries: 1, tryTimeoutInMs: 5000 },
    keepAliveOptions: { enable: true },
  };
  const service =
    typeof connection === 'string'
      ? QueueServiceClient.fromConnectionString(connection, options)
      : new QueueServiceClient(
          connection.serviceUri,
          new DefaultAzureCredential({ managedIdentityClientId: connection.clientId }),
          options,
        );
  return service.getQueueClient(queueName);
}

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** 400/413: the message itself is wrong, no retry or other queue can help. */
export function isPermanentSendError(error: unknown): boolean {
  const status = statusOf(error);
  return status === 400 || status === 413;
}

/**
 * Returns a sender that retries a failed send with exponential backoff (50 ms doubling, capped at 2 s)
 * until `budgetMs` has passed, creating the queue if it is missing. Each try is aborted at the deadline,
 * so a queue service that accepts connections but never answers costs no more than the budget.
 */
export function createHitSender(client: QueueClient, budgetMs: number) {
  return async function sendHitMessage(body: string): Promise<void> {
    const deadline = Date.now() + budgetMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.sendMessage(body, {
          messageTimeToLive: NEVER_EXPIRES,
          abortSignal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
        return;
      } catch (error) {
        if (statusOf(error) === 404) await client.createIfNotExists().catch(() => undefined);
        const delay = Math.min(2000, 50 * 2 ** attempt);
        if (isPermanentSendError(error) || Date.now() + delay >= deadline) throw error;
        await sleep(delay);
      }
    }
  };
}

/** The ingest backlog: messages waiting in the hit queue and in its poison queue (approximate counts). */
import type { QueueClient } from '@azure/storage-queue';

export interface QueueBacklog {
  queuedMessages: number;
  poisonMessages: number;
}

async function approximateCount(client: QueueClient): Promise<number> {
  if (!(await client.exists())) return 0;
  return (await client.getProperties()).approximateMessagesCount ?? 0;
}

export async function queueBacklog(queue: QueueClient, poison: QueueClient): Promise<QueueBacklog> {
  const [queuedMessages, poisonMessages] = await Promise.all([
    approximateCount(queue),
    approximateCount(poison),
  ]);
  return { queuedMessages, poisonMessages };
}

import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { parseSettings } from '../src/config.js';
import { GroupCommitQueue } from '../src/queue/groupCommit.js';
import { decodeHitMessage } from '../src/queue/hitMessage.js';
import { createHitSender, queueClient } from '../src/queue/hitQueue.js';
import { makeHit } from './support/hits.js';

const settingsWith = (env: Record<string, string>) =>
  parseSettings({ DATABASE_URL: 'postgres://unused', ...env }).queue;

describe('hit queue on Azurite', () => {
  const connection = inject('azuriteConnectionString');

  it('creates a missing queue on the first send and delivers group-committed hits intact', async () => {
    const name = `q-${randomBytes(4).toString('hex')}`;
    const queue = settingsWith({ PIXEL_QUEUE_NAME: name });
    const client = queueClient(connection, name);
    expect(await client.exists()).toBe(false);
    const batcher = new GroupCommitQueue(createHitSender(client, queue.retryBudgetMs), queue);
    const hits = Array.from({ length: 120 }, (_, i) => makeHit({ queryString: `i=${i}&x=%E2%82%AC` }));
    expect((await Promise.all(hits.map((h) => batcher.add(h)))).every(Boolean)).toBe(true);

    const received = await client.receiveMessages({ numberOfMessages: 32 });
    const decoded = await Promise.all(
      received.receivedMessageItems.map((m) =>
        decodeHitMessage(Buffer.from(m.messageText, 'base64').toString('utf8')),
      ),
    );
    const landed = decoded.flatMap((d) => d.hits);
    expect(landed.map((h) => h.hitId).sort()).toEqual(hits.map((h) => h.hitId).sort());
    expect(landed.find((h) => h.hitId === hits[7]?.hitId)).toEqual(hits[7]);
    // Accepted hits wait out any outage: the messages never expire.
    expect(received.receivedMessageItems.every((m) => m.expiresOn.getFullYear() >= 9999)).toBe(true);
  });

  it('gives up on an unreachable queue within the retry budget', async () => {
    const queue = settingsWith({ ENQUEUE_RETRY_BUDGET_MS: '600' });
    const dead = queueClient(connection.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1'), 'nowhere');
    const started = Date.now();
    await expect(createHitSender(dead, queue.retryBudgetMs)('body')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

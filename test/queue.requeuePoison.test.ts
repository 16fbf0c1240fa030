import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { poisonQueueName, queueClient } from '../src/queue/hitQueue.js';
import { requeuePoison } from '../src/queue/requeuePoison.js';

describe('moving poison messages back to the hit queue (Azurite)', () => {
  const connection = inject('azuriteConnectionString');

  async function drain(client: ReturnType<typeof queueClient>): Promise<string[]> {
    const texts: string[] = [];
    for (;;) {
      const { receivedMessageItems } = await client.receiveMessages({ numberOfMessages: 32 });
      if (receivedMessageItems.length === 0) return texts;
      for (const m of receivedMessageItems) {
        texts.push(m.messageText);
        await client.deleteMessage(m.messageId, m.popReceipt);
      }
    }
  }

  it('moves every message once, and leaves one poisoned after the move started', async () => {
    const name = `rq-${randomBytes(4).toString('hex')}`;
    const target = queueClient(connection, name);
    const poison = queueClient(connection, poisonQueueName(name));
    await target.createIfNotExists();
    await poison.createIfNotExists();
    const texts = Array.from({ length: 40 }, (_, i) => Buffer.from(`SPX2.message-${i}`).toString('base64'));
    for (const text of texts) await poison.sendMessage(text);
    // Insertion times have a precision of one second.
    await sleep(1100);

    const late = Buffer.from('SPX2.poisoned-later').toString('base64');
    const progress: number[] = [];
    const outcome = await requeuePoison(poison, target, async (moved) => {
      if (progress.push(moved) === 1) {
        await sleep(1100);
        await poison.sendMessage(late);
      }
    });

    expect(outcome).toEqual({ moved: 40, leftNewer: 1 });
    expect(progress.at(-1)).toBe(40);
    expect((await drain(target)).sort()).toEqual([...texts].sort());
    expect(await drain(poison)).toEqual([late]);
  });

  it('does nothing when there is no poison queue', async () => {
    const name = `rq-${randomBytes(4).toString('hex')}`;
    const outcome = await requeuePoison(
      queueClient(connection, poisonQueueName(name)),
      queueClient(connection, name),
    );
    expect(outcome).toEqual({ moved: 0, leftNewer: 0 });
    expect(await queueClient(connection, name).exists()).toBe(false);
  });
});

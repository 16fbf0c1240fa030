/**
 * `npm run queue:requeue-poison`: moves the hit queue's poison messages (`<PIXEL_QUEUE_NAME>-poison`) back to
 * the hit queue, and the secondary account's too when SECONDARY_QUEUE_STORAGE is set. Run it once the reason
 * they failed is fixed; src/queue/requeuePoison.ts says what it guarantees.
 */
import { queueToolSettings, SettingsError, useSettings } from '../config.js';
import { poisonQueueName, queueClient } from '../queue/hitQueue.js';
import { requeuePoison } from '../queue/requeuePoison.js';

async function main(): Promise<void> {
  // Only the queue settings are needed; no database is opened.
  const config = queueToolSettings(process.env);
  useSettings(config);
  const { queue } = config;
  const accounts = [
    { label: 'primary', connection: queue.connection },
    ...(queue.secondaryConnection ? [{ label: 'secondary', connection: queue.secondaryConnection }] : []),
  ];
  for (const { label, connection } of accounts) {
    const poison = poisonQueueName(queue.name);
    const outcome = await requeuePoison(
      queueClient(connection, poison),
      queueClient(connection, queue.name),
      (moved) => console.log(`[queue:requeue-poison] ${label}: ${moved} message(s) moved so far`),
    );
    console.log(
      `[queue:requeue-poison] ${label}: ${outcome.moved} message(s) moved from ${poison} to ${queue.name}` +
        (outcome.leftNewer > 0 ? `; ${outcome.leftNewer} poisoned after the start left in place` : ''),
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});

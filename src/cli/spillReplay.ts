/**
 * `npm run spill:replay -- PATH`: sends the spill files at PATH (one file, or every file of a directory,
 * oldest first), copied from another instance or machine, to the hit queue (the secondary queue when the
 * primary does not answer). Each file is deleted once every message in it was accepted; while no queue
 * answers, it retries until --timeout. Records failing their checksum are kept beside them as `.corrupt`.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { queueToolSettings, SettingsError, useSettings } from '../config.js';
import { HitDelivery } from '../queue/delivery.js';
import { queueClient } from '../queue/hitQueue.js';

async function main(): Promise<void> {
  const program = new Command()
    .name('spill:replay')
    .argument('<path>', 'a spill file, or a directory of them')
    .option('--timeout <seconds>', 'give up when no queue answered for this long', '300')
    .parse();
  const path = resolve(program.args[0] as string);
  const timeoutMs = Number(program.opts<{ timeout: string }>().timeout) * 1000;
  // The replay needs only the queue settings; no database is opened.
  const config = queueToolSettings(process.env);
  useSettings(config); // the metrics read them (Application Insights)
  const queue = config.queue;
  const isDir = statSync(path).isDirectory();
  const files = isDir
    ? readdirSync(path)
        .filter((name) => !name.endsWith('.corrupt') && statSync(join(path, name)).isFile())
        .sort()
        .map((name) => ({ name, path: join(path, name) }))
    : [{ name: path, path }];
  const delivery = new HitDelivery({
    primary: queueClient(queue.connection, queue.name),
    secondary: queue.secondaryConnection ? queueClient(queue.secondaryConnection, queue.name) : undefined,
    budgetMs: queue.retryBudgetMs,
    spillDir: isDir ? path : dirname(path),
    retryIntervalMs: queue.spillRetryIntervalMs,
  });
  try {
    for (const file of files) {
      const giveUpAt = Date.now() + timeoutMs;
      while (!(await delivery.resendFile(file))) {
        if (Date.now() > giveUpAt)
          throw new Error(`no queue accepted ${file.name} within the timeout; it is kept`);
        await sleep(queue.spillRetryIntervalMs);
      }
      console.log(`replayed ${file.name}`);
    }
  } finally {
    await delivery.stop();
    const { replayedHits, replayedMessages } = delivery.stats;
    console.log(`${replayedHits} hits in ${replayedMessages} messages sent to ${queue.name}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});

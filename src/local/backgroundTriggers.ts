/**
 * Queue triggers and timers of the local runner, run in a worker thread with its own event loop, so a
 * burst of hit-writer work never stalls the pixel's HTTP answers (in Azure, FUNCTIONS_WORKER_PROCESS_COUNT
 * plays this part). The worker loads the same function modules and definitions as the main thread.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { SECONDARY_QUEUE_CONNECTION, type Settings, useSettings } from '../config.js';
import { poisonQueueName, queueClient } from '../queue/hitQueue.js';
import { registeredFunctions } from '../runtime/define.js';
import { closeServices } from '../runtime/services.js';
import { loadFunctionModules } from './functionModules.js';
import type { HostOptions } from './hostJson.js';
import { type QueueListener, startQueueListener } from './queueListener.js';
import { startTimers } from './timers.js';

export interface TriggerConfig {
  settings: Settings;
  queues: HostOptions['queues'];
  only?: readonly string[] | undefined;
  timers: boolean;
}

export type QueueStats = Record<string, QueueListener['stats']>;

export interface BackgroundTriggers {
  names: string[];
  stats(): Promise<QueueStats>;
  stop(): Promise<void>;
}

type Reply = { ready: string[] } | { error: string } | { stats: QueueStats } | { stopped: true };

/** Starts the worker and resolves once its listeners run. */
export function startBackgroundTriggers(config: TriggerConfig): Promise<BackgroundTriggers> {
  const url = new URL(import.meta.url);
  // From src/ (tsx, vitest) the worker first registers tsx's TypeScript loader; from dist/ it is plain JS.
  const worker = url.pathname.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`,
        { eval: true, workerData: config },
      )
    : new Worker(url, { workerData: config });
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  return next().then((reply) => {
    if ('error' in reply) throw new Error(reply.error);
    const names = 'ready' in reply ? reply.ready : [];
    return {
      names,
      async stats() {
        const answer = next();
        worker.postMessage('stats');
        const r = await answer;
        return 'stats' in r ? r.stats : {};
      },
      async stop() {
        const answer = next();
        worker.postMessage('stop');
        await answer;
        await worker.terminate();
      },
    };
  });
}

async function runInWorker(config: TriggerConfig): Promise<void> {
  const port = parentPort;
  if (!port) return;
  try {
    useSettings(config.settings);
    await loadFunctionModules();
    const definitions = registeredFunctions().filter((d) => !config.only || config.only.includes(d.name));
    const listeners = new Map<string, QueueListener>();
    for (const d of definitions) {
      if (d.kind !== 'queue') continue;
      const connection =
        d.connection === 'AzureWebJobsStorage'
          ? config.settings.queue.connection
          : d.connection === SECONDARY_QUEUE_CONNECTION
            ? config.settings.queue.secondaryConnection
            : process.env[d.connection];
      if (!connection) throw new Error(`queue function ${d.name}: app setting ${d.connection} is not set`);
      const queue = queueClient(connection, d.queueName);
      await queue.createIfNotExists();
      const poison = queueClient(connection, poisonQueueName(d.queueName));
      listeners.set(d.name, startQueueListener(d, queue, poison, config.queues));
    }
    const timerDefinitions = config.timers ? definitions.filter((d) => d.kind === 'timer') : [];
    const timers = startTimers(timerDefinitions);
    port.on('message', async (message: string) => {
      if (message === 'stats') {
        port.postMessage({
          stats: Object.fromEntries([...listeners].map(([name, l]) => [name, { ...l.stats }])),
        });
      } else if (message === 'stop') {
        // A timer's run in progress ends before the services it uses close (its batch would fail otherwise).
        await Promise.all([timers.stop(), ...[...listeners.values()].map((l) => l.stop())]);
        await closeServices();
        port.postMessage({ stopped: true });
      }
    });
    port.postMessage({ ready: [...listeners.keys(), ...timerDefinitions.map((d) => d.name)] });
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

if (!isMainThread && (workerData as TriggerConfig | undefined)?.settings) {
  void runInWorker(workerData as TriggerConfig);
}

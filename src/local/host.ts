/**
 * The local stand-in for the Functions host: loads every module of src/functions (as package.json `main`
 * makes the host do), then serves their definitions: HTTP, queue triggers and timers.
 */
import { readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Settings, useSettings } from '../config.js';
import { poisonQueueName, queueClient } from '../queue/hitQueue.js';
import { registeredFunctions } from '../runtime/define.js';
import { closeServices } from '../runtime/services.js';
import { type HostOptions, readHostJson } from './hostJson.js';
import { startHttpHost } from './httpHost.js';
import { type QueueListener, startQueueListener } from './queueListener.js';
import { startTimers } from './timers.js';

export interface LocalHost {
  url: string;
  server: Server;
  listeners: QueueListener[];
  functionNames: string[];
  stop(): Promise<void>;
}

export async function loadFunctionModules(): Promise<void> {
  const folder = new URL('../functions/', import.meta.url);
  const files = readdirSync(fileURLToPath(folder)).filter(
    (f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'),
  );
  for (const file of files.sort()) await import(pathToFileURL(fileURLToPath(new URL(file, folder))).href);
}

export interface LocalHostOptions {
  /** 0 picks a free port. */
  port: number;
  timers?: boolean;
  /** Overrides of host.json's queue settings (tests shorten the visibility timeout). */
  queues?: Partial<HostOptions['queues']>;
}

export async function startLocalHost(settings: Settings, options: LocalHostOptions): Promise<LocalHost> {
  useSettings(settings);
  await loadFunctionModules();
  const fromFile = readHostJson();
  const host: HostOptions = { ...fromFile, queues: { ...fromFile.queues, ...options.queues } };
  const definitions = registeredFunctions();

  const server = await startHttpHost({
    port: options.port,
    routePrefix: host.routePrefix,
    definitions: definitions.filter((d) => d.kind === 'http'),
  });
  const listeners: QueueListener[] = [];
  for (const d of definitions) {
    if (d.kind !== 'queue') continue;
    const connection =
      d.connection === 'AzureWebJobsStorage' ? settings.queue.connectionString : process.env[d.connection];
    if (!connection) throw new Error(`queue function ${d.name}: app setting ${d.connection} is not set`);
    const queue = queueClient(connection, d.queueName);
    await queue.createIfNotExists();
    listeners.push(
      startQueueListener(d, queue, queueClient(connection, poisonQueueName(d.queueName)), host.queues),
    );
  }
  const timers = startTimers(options.timers === false ? [] : definitions.filter((d) => d.kind === 'timer'));

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://localhost:${port}/${host.routePrefix}`,
    server,
    listeners,
    functionNames: definitions.map((d) => `${d.name} (${d.kind})`),
    async stop() {
      timers.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all(listeners.map((l) => l.stop()));
      await closeServices();
    },
  };
}

/**
 * The local stand-in for the Functions host: loads every module of src/functions, serves the HTTP
 * definitions on this thread and runs queue triggers and timers in a worker thread.
 */
import type { Server } from 'node:http';
import { type Settings, useSettings } from '../config.js';
import { appStartHandlers, registeredFunctions } from '../runtime/define.js';
import { closeServices, warehouse } from '../runtime/services.js';
import { type BackgroundTriggers, type QueueStats, startBackgroundTriggers } from './backgroundTriggers.js';
import { demoDefinitions } from './demo.js';
import { loadFunctionModules } from './functionModules.js';
import { type HostOptions, readHostJson } from './hostJson.js';
import { startHttpHost } from './httpHost.js';

export interface LocalHost {
  url: string;
  server: Server;
  functionNames: string[];
  /** Messages finished by each queue function, by outcome. */
  queueStats(): Promise<QueueStats>;
  stop(): Promise<void>;
}

export interface LocalHostOptions {
  /** 0 picks a free port. */
  port: number;
  timers?: boolean;
  /** Run only these functions (by name); all when absent. */
  only?: readonly string[];
  /** Overrides of host.json's queue settings (tests shorten the visibility timeout). */
  queues?: Partial<HostOptions['queues']>;
  /** Serve the demo page at /demo (src/local/demo.ts); on unless false. */
  demo?: boolean;
}

export async function startLocalHost(settings: Settings, options: LocalHostOptions): Promise<LocalHost> {
  useSettings(settings);
  await loadFunctionModules();
  // As the host's appStart hook: begun, not awaited past what each handler bounds itself to.
  await Promise.all(appStartHandlers().map((start) => Promise.resolve(start()).catch(() => undefined)));
  const fromFile = readHostJson();
  const host: HostOptions = { ...fromFile, queues: { ...fromFile.queues, ...options.queues } };
  const selected = (name: string) => !options.only || options.only.includes(name);
  const http = registeredFunctions().filter((d) => d.kind === 'http' && selected(d.name));

  const background: BackgroundTriggers = await startBackgroundTriggers({
    settings,
    queues: host.queues,
    only: options.only,
    timers: options.timers !== false,
  });
  const server = await startHttpHost({
    port: options.port,
    routePrefix: host.routePrefix,
    definitions: [
      ...http.flatMap((d) => (d.kind === 'http' ? [d] : [])),
      ...(options.demo === false ? [] : demoDefinitions(warehouse, settings.etl)),
    ],
  });

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://localhost:${port}${host.routePrefix ? `/${host.routePrefix}` : ''}`,
    server,
    functionNames: [
      ...http.map((d) => `${d.name} (http)`),
      ...background.names.map((n) => `${n} (background)`),
    ],
    queueStats: () => background.stats(),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await background.stop();
      await closeServices();
    },
  };
}

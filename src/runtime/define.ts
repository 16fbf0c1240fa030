/**
 * One definition per function serves two hosts: it is registered with the Azure Functions host
 * (app.http / app.storageQueue / app.timer) and kept in a list that the local runner serves.
 */
import { createRequire } from 'node:module';
import type { HttpHandler, HttpMethod, StorageQueueHandler, TimerHandler } from '@azure/functions';
import { app } from './azureFunctions.js';

export interface HttpDefinition {
  kind: 'http';
  name: string;
  route: string;
  methods: HttpMethod[];
  /**
   * `function` asks the Functions host for a function or host key (`?code=` or `x-functions-key`); the local
   * runner, like Core Tools, does not check keys. Anonymous when absent.
   */
  authLevel?: 'anonymous' | 'function' | 'admin';
  handler: HttpHandler;
}

export interface QueueDefinition {
  kind: 'queue';
  name: string;
  queueName: string;
  /** Name of the app setting that holds the storage connection string. */
  connection: string;
  handler: StorageQueueHandler;
}

export interface TimerDefinition {
  kind: 'timer';
  name: string;
  /** Six-field NCRONTAB expression, as the Functions host reads it. */
  schedule: string;
  runOnStartup?: boolean;
  handler: TimerHandler;
}

export type FunctionDefinition = HttpDefinition | QueueDefinition | TimerDefinition;

const definitions: FunctionDefinition[] = [];

/**
 * Inside the Functions host the worker provides the `@azure/functions-core` module (the same check
 * @azure/functions makes). Elsewhere (local runner, tests) registration is skipped, which would otherwise
 * print a warning per function.
 */
function insideFunctionsHost(): boolean {
  try {
    createRequire(import.meta.url)('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
}
const registerWithHost = insideFunctionsHost();

export function registeredFunctions(): readonly FunctionDefinition[] {
  return definitions;
}

export function defineHttp(def: Omit<HttpDefinition, 'kind'>): HttpDefinition {
  const full: HttpDefinition = { kind: 'http', ...def };
  definitions.push(full);
  if (registerWithHost)
    app.http(def.name, {
      route: def.route,
      methods: def.methods,
      authLevel: def.authLevel ?? 'anonymous',
      handler: def.handler,
    });
  return full;
}

export function defineQueue(def: Omit<QueueDefinition, 'kind'>): QueueDefinition {
  const full: QueueDefinition = { kind: 'queue', ...def };
  definitions.push(full);
  if (registerWithHost)
    app.storageQueue(def.name, {
      queueName: def.queueName,
      connection: def.connection,
      handler: def.handler,
    });
  return full;
}

export function defineTimer(def: Omit<TimerDefinition, 'kind'>): TimerDefinition {
  const full: TimerDefinition = { kind: 'timer', ...def };
  definitions.push(full);
  if (registerWithHost)
    app.timer(def.name, {
      schedule: def.schedule,
      runOnStartup: def.runOnStartup ?? false,
      handler: def.handler,
    });
  return full;
}

type AppStartHandler = () => void | Promise<void>;
const startHandlers: AppStartHandler[] = [];

/** Work to begin when the app starts (the Functions host's appStart hook; the local runner after loading). */
export function onAppStart(handler: AppStartHandler): void {
  startHandlers.push(handler);
  if (registerWithHost) app.hook.appStart(() => handler());
}

export function appStartHandlers(): readonly AppStartHandler[] {
  return startHandlers;
}

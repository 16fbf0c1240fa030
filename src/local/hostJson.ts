/** Reads host.json the way the Functions host does, for the settings the local runner honours. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../runtime/paths.js';

/** "hh:mm:ss" (a .NET TimeSpan) to milliseconds. */
function timeSpanMs(value: string): number {
  const match = /^(\d+):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(value);
  if (!match) throw new Error(`host.json: "${value}" is not a hh:mm:ss time span`);
  const [, h, m, s, frac] = match;
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + (frac ? Number(`0.${frac}`) * 1000 : 0);
}

const hostJsonSchema = z.object({
  extensions: z
    .object({
      http: z.object({ routePrefix: z.string().default('api') }).default({ routePrefix: 'api' }),
      queues: z
        .object({
          batchSize: z.number().int().min(1).max(32).default(16),
          newBatchThreshold: z.number().int().min(0).optional(),
          maxDequeueCount: z.number().int().min(1).default(5),
          visibilityTimeout: z.string().default('00:00:00'),
          maxPollingInterval: z.string().default('00:01:00'),
          messageEncoding: z.enum(['base64', 'none']).default('base64'),
        })
        .prefault({}),
    })
    .prefault({}),
});

export interface HostOptions {
  routePrefix: string;
  queues: {
    batchSize: number;
    newBatchThreshold: number;
    maxDequeueCount: number;
    visibilityTimeoutMs: number;
    maxPollingIntervalMs: number;
    messageEncoding: 'base64' | 'none';
    /** How long a received message stays hidden while it runs (not in host.json; tests shorten it). */
    inFlightVisibilitySeconds?: number;
  };
}

export function readHostJson(path = join(PROJECT_ROOT, 'host.json')): HostOptions {
  const parsed = hostJsonSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  const q = parsed.extensions.queues;
  return {
    routePrefix: parsed.extensions.http.routePrefix.replace(/^\/+|\/+$/g, ''),
    queues: {
      batchSize: q.batchSize,
      newBatchThreshold: q.newBatchThreshold ?? Math.floor(q.batchSize / 2),
      maxDequeueCount: q.maxDequeueCount,
      visibilityTimeoutMs: timeSpanMs(q.visibilityTimeout),
      maxPollingIntervalMs: timeSpanMs(q.maxPollingInterval),
      messageEncoding: q.messageEncoding,
    },
  };
}

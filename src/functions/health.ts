/**
 * HTTP function `health`: GET /api/health answers the pipeline health view as JSON with a status of ok /
 * warning / critical from the ETL lags and the ingest backlog (HEALTH_* settings). 503 when the database
 * cannot be read. It shows table sizes and lags, so in Azure it needs a function key.
 * HTTP function `live`: GET /api/health/live, anonymous, answers `ok` and nothing else (load balancers,
 * uptime probes); it reads nothing, so it says the app is up, not that the pipeline is well.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { settings } from '../config.js';
import { pipelineHealth } from '../etl/health.js';
import { queueBacklog } from '../queue/backlog.js';
import { defineHttp } from '../runtime/define.js';
import { hitPoisonQueueClient, hitQueueClient, warehouse } from '../runtime/services.js';

const HEADERS = { 'Cache-Control': 'no-store' };

export async function healthHandler(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    // The queue is read beside the database; an unreadable queue makes the status a warning, not a failure.
    const backlog = await Promise.race([
      queueBacklog(hitQueueClient(), hitPoisonQueueClient()),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000).unref()),
    ]).catch(() => null);
    const health = await pipelineHealth(warehouse(), settings().health, backlog);
    return { status: 200, headers: HEADERS, jsonBody: health };
  } catch (error) {
    context.error('health: database not readable', error);
    return {
      status: 503,
      headers: HEADERS,
      jsonBody: { status: 'critical', time: new Date().toISOString(), error: 'database not readable' },
    };
  }
}

export const healthFunction = defineHttp({
  name: 'health',
  route: 'api/health',
  methods: ['GET'],
  authLevel: 'function',
  handler: healthHandler,
});

export async function liveHandler(): Promise<HttpResponseInit> {
  return { status: 200, headers: { ...HEADERS, 'Content-Type': 'text/plain' }, body: 'ok' };
}

export const liveFunction = defineHttp({
  name: 'live',
  route: 'api/health/live',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: liveHandler,
});

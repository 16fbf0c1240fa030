/**
 * Application Insights, switched on by APPLICATIONINSIGHTS_CONNECTION_STRING. Loaded lazily so the pixel's
 * cold start and the local runner pay nothing when it is off.
 */
import { createRequire } from 'node:module';
import type { TelemetryClient } from 'applicationinsights';
import { settings } from '../config.js';

let client: TelemetryClient | null | undefined;

export function telemetryClient(): TelemetryClient | null {
  if (client !== undefined) return client;
  const connectionString = settings().telemetry.appInsightsConnectionString;
  if (!connectionString) {
    client = null;
    return client;
  }
  const appInsights = createRequire(import.meta.url)(
    'applicationinsights',
  ) as typeof import('applicationinsights');
  appInsights.setup(connectionString).setAutoCollectConsole(false).start();
  client = appInsights.defaultClient;
  return client;
}

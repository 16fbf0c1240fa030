/**
 * Custom metrics to Application Insights, switched on by APPLICATIONINSIGHTS_CONNECTION_STRING and
 * authenticated with the app's managed identity when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says
 * `Authorization=AAD` (infra/main.bicep turns local authentication off, so keys alone are refused).
 *
 * Sent through `applicationinsights` (its `useAzureMonitor`, the Azure Monitor OpenTelemetry distribution)
 * with only metrics on: no auto-collected requests, dependencies, exceptions, performance counters, live or
 * standard metrics, and no library instrumentation, so node:http is not patched (the Functions host records
 * requests already) and the pixel's hot path stays an in-memory add to an aggregated instrument. Its
 * `setup(connectionString)` ignores the authentication string, so the managed identity is handed to the
 * exporter here. Exported once a minute. Unset, nothing is loaded: the meter is OpenTelemetry's no-op and no
 * network call is made, and the pixel's cold start pays nothing.
 */
import { createRequire } from 'node:module';
import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { createNoopMeter, type Meter } from '@opentelemetry/api';
import type { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { settings } from '../config.js';

export interface TelemetryConfig {
  connectionString?: string | undefined;
  /** `Authorization=AAD;ClientId=<user-assigned identity>`, as the Functions host reads it. */
  authenticationString?: string | undefined;
}

export interface TelemetryOptions {
  /** Replaces the managed identity (tests). */
  credential?: TokenCredential;
  /** Further readers beside the Azure Monitor export (tests read metrics in process with one). */
  readers?: MetricReader[];
  /** Passed to the Azure Monitor exporter as they are (tests: TLS trust of a loopback endpoint). */
  exporterOptions?: Record<string, unknown>;
}

export interface Telemetry {
  meter: Meter;
  /** Whether metrics leave the process. */
  enabled: boolean;
  /** Exports what is aggregated now. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const NOOP: Telemetry = {
  meter: createNoopMeter(),
  enabled: false,
  flush: async () => {},
  shutdown: async () => {},
};

/** Reads `Authorization=AAD;ClientId=…` (keys in any case, order free). */
export function parseAuthenticationString(value: string | undefined): { aad: boolean; clientId?: string } {
  const parts = new Map(
    (value ?? '')
      .split(';')
      .map((p) => p.split('=').map((s) => s.trim()))
      .filter(([k, v]) => k && v)
      .map(([k, v]) => [String(k).toLowerCase(), String(v)]),
  );
  const aad = parts.get('authorization')?.toLowerCase() === 'aad';
  const clientId = parts.get('clientid');
  return clientId ? { aad, clientId } : { aad };
}

/** The managed identity named by the authentication string (user-assigned when it has a ClientId). */
export function managedIdentityCredential(
  authenticationString: string | undefined,
): TokenCredential | undefined {
  const auth = parseAuthenticationString(authenticationString);
  if (!auth.aad) return undefined;
  // A credential makes no call until the exporter asks it for a token.
  return auth.clientId
    ? new ManagedIdentityCredential({ clientId: auth.clientId })
    : new ManagedIdentityCredential();
}

/** Starts the export; the no-op telemetry when there is no connection string and no reader. */
export function startTelemetry(config: TelemetryConfig, options: TelemetryOptions = {}): Telemetry {
  const readers: MetricReader[] = [...(options.readers ?? [])];
  const require = createRequire(import.meta.url);
  if (config.connectionString) {
    const appInsights = require('applicationinsights') as typeof import('applicationinsights');
    const { metrics } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    const credential = options.credential ?? managedIdentityCredential(config.authenticationString);
    appInsights.useAzureMonitor({
      azureMonitorExporterOptions: {
        connectionString: config.connectionString,
        ...(credential && { credential }),
        ...options.exporterOptions,
      },
      enableAutoCollectExceptions: false,
      enableAutoCollectPerformance: false,
      enableAutoCollectDependencies: false,
      enableAutoCollectRequests: false,
      enableLiveMetrics: false,
      enableStandardMetrics: false,
      instrumentationOptions: Object.fromEntries(INSTRUMENTATIONS.map((name) => [name, { enabled: false }])),
      ...(readers.length > 0 && { metricReaders: readers }),
    });
    return {
      meter: metrics.getMeter('smartpixl'),
      enabled: true,
      flush: () => appInsights.flushAzureMonitor(),
      shutdown: () => appInsights.shutdownAzureMonitor(),
    };
  }
  if (readers.length === 0) return NOOP;
  const sdk = require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  const provider: MeterProvider = new sdk.MeterProvider({ readers });
  return {
    meter: provider.getMeter('smartpixl'),
    enabled: false,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Every library instrumentation `useAzureMonitor` knows, each switched off. */
const INSTRUMENTATIONS = [
  'http',
  'azureSdk',
  'mongoDb',
  'mySql',
  'postgreSql',
  'redis',
  'redis4',
  'console',
  'bunyan',
  'winston',
] as const;

let current: Telemetry | undefined;

/** This process's telemetry, started from the settings on first use. */
export function telemetry(): Telemetry {
  current ??= startTelemetry({
    connectionString: settings().telemetry.appInsightsConnectionString,
    authenticationString: settings().telemetry.appInsightsAuthenticationString,
  });
  return current;
}

const listeners: (() => void)[] = [];

/** Called when the telemetry is replaced, so instruments made from the old meter are made again. */
export function onTelemetryChange(listener: () => void): void {
  listeners.push(listener);
}

/** Replaces this process's telemetry (tests, the benchmark); returns the previous one. */
export function useTelemetry(next: Telemetry | undefined): Telemetry | undefined {
  const previous = current;
  current = next;
  for (const listener of listeners) listener();
  return previous;
}

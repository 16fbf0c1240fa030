/**
 * Custom metrics to Application Insights, switched on by APPLICATIONINSIGHTS_CONNECTION_STRING and
 * authenticated with the app's managed identity when APPLICATIONINSIGHTS_AUTHENTICATION_STRING says
 * `Authorization=AAD` (infra/main.bicep turns local authentication off, so keys alone are refused).
 *
 * Metrics are aggregated in process by the OpenTelemetry SDK and exported once a minute, so recording one on
 * the pixel's hot path is an in-memory add. When the connection string is unset nothing is loaded: the
 * meter is OpenTelemetry's no-op and no network call is made. The SDK and exporter are loaded lazily so the
 * pixel's cold start pays nothing when telemetry is off.
 *
 * Why not `applicationinsights`' `useAzureMonitor`: it always probes the Azure VM metadata address at start,
 * patches node:http (a span per pixel request, which the Functions host records already) and collects
 * performance counters every second. The exporter it sends through is used here directly.
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
  /** How often metrics are exported; Application Insights aggregates custom metrics per minute. */
  exportIntervalMs?: number;
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
    const { AzureMonitorMetricExporter } =
      require('@azure/monitor-opentelemetry-exporter') as typeof import('@azure/monitor-opentelemetry-exporter');
    const { PeriodicExportingMetricReader } =
      require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
    const credential = options.credential ?? managedIdentityCredential(config.authenticationString);
    const exporter = new AzureMonitorMetricExporter({
      connectionString: config.connectionString,
      ...(credential && { credential }),
      ...options.exporterOptions,
    });
    readers.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: options.exportIntervalMs ?? 60_000,
      }),
    );
  }
  if (readers.length === 0) return NOOP;
  const sdk = require('@opentelemetry/sdk-metrics') as typeof import('@opentelemetry/sdk-metrics');
  const provider: MeterProvider = new sdk.MeterProvider({ readers });
  return {
    meter: provider.getMeter('smartpixl'),
    enabled: Boolean(config.connectionString),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

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

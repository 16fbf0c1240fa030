/**
 * The app's metrics, one module so every name is in one place. Counters (`count`) are also kept in process
 * for tests and the local runner; all of them go to Application Insights as custom metrics named
 * `smartpixl.<name>` when telemetry is on (src/runtime/telemetry.ts), aggregated in process and exported
 * once a minute. Attributes become the metric's custom dimensions: keep their values few (a reason, a
 * provider, a step), never an id.
 */
import type { Attributes, Counter, Gauge, Histogram } from '@opentelemetry/api';
import { onTelemetryChange, telemetry } from './telemetry.js';

const counters = new Map<string, number>();

const otelCounters = new Map<string, Counter>();
const histograms = new Map<string, Histogram>();
const gauges = new Map<string, Gauge>();
onTelemetryChange(() => {
  otelCounters.clear();
  histograms.clear();
  gauges.clear();
});

const metricName = (name: string) => `smartpixl.${name}`;

/** Adds to a counter: things that happened (hits accepted, rows written, messages poisoned). */
export function count(name: string, by = 1, attributes?: Attributes): void {
  counters.set(name, (counters.get(name) ?? 0) + by);
  let counter = otelCounters.get(name);
  if (!counter) {
    counter = telemetry().meter.createCounter(metricName(name));
    otelCounters.set(name, counter);
  }
  counter.add(by, attributes);
}

/** Records one value of a distribution (hits per message, send latency, rows per second). */
export function record(name: string, value: number, attributes?: Attributes): void {
  let histogram = histograms.get(name);
  if (!histogram) {
    histogram = telemetry().meter.createHistogram(metricName(name));
    histograms.set(name, histogram);
  }
  histogram.record(value, attributes);
}

/** Sets a level observed now (parse lag, match rate, poison messages waiting). */
export function gauge(name: string, value: number, attributes?: Attributes): void {
  let g = gauges.get(name);
  if (!g) {
    g = telemetry().meter.createGauge(metricName(name));
    gauges.set(name, g);
  }
  g.record(value, attributes);
}

export function counterValue(name: string): number {
  return counters.get(name) ?? 0;
}

export function allCounters(): Record<string, number> {
  return Object.fromEntries(counters);
}

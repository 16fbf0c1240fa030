/**
 * Counters of things that must never pass silently (dropped requests, failed sends, poison hits). Kept in
 * process for tests and the local runner, and sent to Application Insights as custom metrics when configured.
 */
import { telemetryClient } from './telemetry.js';

const counters = new Map<string, number>();

export function count(name: string, by = 1): void {
  counters.set(name, (counters.get(name) ?? 0) + by);
  telemetryClient()?.trackMetric({ name: `smartpixl.${name}`, value: by });
}

export function counterValue(name: string): number {
  return counters.get(name) ?? 0;
}

export function allCounters(): Record<string, number> {
  return Object.fromEntries(counters);
}

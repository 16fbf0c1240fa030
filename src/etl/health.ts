/**
 * The pipeline's health: the one row of ETL.vw_Dash_PipelineHealth with camelCase keys, and a status from
 * the parse and match lags against the configured thresholds.
 */
import type { Warehouse } from '../db/types.js';
import type { QueueBacklog } from '../queue/backlog.js';

export type HealthStatus = 'ok' | 'warning' | 'critical';

export interface LagThresholds {
  warning: number;
  critical: number;
}

export interface HealthThresholds {
  parseLag: LagThresholds;
  matchLag: LagThresholds;
  /** Messages waiting in the hit queue. */
  queueBacklog: LagThresholds;
}

export type PipelineHealth = { status: HealthStatus; time: string } & Record<string, unknown>;

/** `ParseLag` → `parseLag`, `IPRows` → `ipRows` (a leading run of capitals is lower-cased as one word). */
export function camelCase(name: string): string {
  return name.replace(/^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/, (head) => head.toLowerCase());
}

function statusOf(lag: number, t: LagThresholds): HealthStatus {
  if (lag >= t.critical) return 'critical';
  if (lag >= t.warning) return 'warning';
  return 'ok';
}

const RANK: Record<HealthStatus, number> = { ok: 0, warning: 1, critical: 2 };

function jsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

export async function pipelineHealth(
  db: Warehouse,
  thresholds: HealthThresholds,
  backlog?: QueueBacklog | null,
): Promise<PipelineHealth> {
  const row = await db.readPipelineHealth();
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row ?? {})) values[camelCase(key)] = jsonValue(value);
  const parse = statusOf(Number(values.parseLag ?? 0), thresholds.parseLag);
  const match = statusOf(Number(values.matchLag ?? 0), thresholds.matchLag);
  // The ingest backlog: unknown (queue unreadable) is a warning; anything in the poison queue too.
  const ingest: HealthStatus[] =
    backlog === undefined
      ? []
      : backlog === null
        ? ['warning']
        : [
            statusOf(backlog.queuedMessages, thresholds.queueBacklog),
            backlog.poisonMessages > 0 ? 'warning' : 'ok',
          ];
  const status = [parse, match, ...ingest].reduce((a, b) => (RANK[a] >= RANK[b] ? a : b));
  return {
    status: row ? status : 'critical',
    time: new Date().toISOString(),
    ...(backlog !== undefined && {
      queuedMessages: backlog?.queuedMessages ?? null,
      poisonMessages: backlog?.poisonMessages ?? null,
    }),
    ...values,
  };
}

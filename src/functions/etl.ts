/**
 * Timer function `etl` (ETL_SCHEDULE, every minute by default): parses new hits into the warehouse (ETL_PARSE_LANES
 * lanes at once beside the signals' numbering, src/etl/lanes.ts), then classifies new IPs, matches, and deletes
 * what is past its retention (src/etl/runEtl.ts etlSteps). A pass holds one database-wide lock
 * (src/etl/runEtl.ts), so an overlapping run (a second instance, or a manual `npm run etl`) skips instead of
 * interleaving. After the pass it records the pipeline's levels (lags, match rate, queue backlog) as metrics,
 * which the alerts in infra/ watch.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { settings } from '../config.js';
import { pipelineHealth } from '../etl/health.js';
import { EtlPassError, runEtlPass, type StepReport } from '../etl/runEtl.js';
import { queueBacklog } from '../queue/backlog.js';
import { defineTimer } from '../runtime/define.js';
import { count, gauge } from '../runtime/metrics.js';
import { hitPoisonQueueClient, hitQueueClient, warehouse } from '../runtime/services.js';

/** Result column of each step holding the rows it took. */
const ROWS: Record<string, string> = {
  parse: 'RowsParsed',
  classify: 'RowsClassified',
  match: 'RowsProcessed',
  retention: 'VisitsPurged',
};

export function recordEtlPass(reports: readonly StepReport[]): void {
  for (const r of reports) {
    for (const [key, value] of Object.entries(r.totals)) {
      if (key !== 'FromId' && key !== 'ToId') count(`etl.${r.step}.${key}`, value);
    }
    if (r.outcome === 'budget-spent') count(`etl.${r.step}.budgetSpent`);
    if (r.outcome === 'failed') count(`etl.${r.step}.failed`);
    if (r.outcome === 'skipped') continue;
    const rows = r.totals[ROWS[r.step] ?? ''] ?? 0;
    count('etl.rows', rows, { step: r.step });
    gauge('etl.rowsPerSecond', r.ms > 0 ? (rows * 1000) / r.ms : 0, { step: r.step });
    if (r.step === 'match' && rows > 0) gauge('etl.matchRate', (r.totals.RowsMatched ?? 0) / rows);
  }
}

/** Lags from the pipeline view and the queue backlog; a failure here is logged, never fails the pass. */
async function recordLevels(context: InvocationContext): Promise<void> {
  try {
    const backlog = await queueBacklog(hitQueueClient(), hitPoisonQueueClient()).catch(() => null);
    if (backlog) {
      gauge('queue.messages', backlog.queuedMessages);
      gauge('queue.poisonMessages', backlog.poisonMessages);
    }
    const health = await pipelineHealth(warehouse(), settings().health);
    gauge('etl.parseLag', Number(health.parseLag ?? 0));
    gauge('etl.matchLag', Number(health.matchLag ?? 0));
  } catch (error) {
    context.warn('etl: pipeline levels not readable', error);
  }
}

export async function etlHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  try {
    const reports = await runEtlPass(warehouse(), settings().etl, (line) => context.log(line));
    recordEtlPass(reports);
  } catch (error) {
    // The steps that ran are counted too; the levels below are read either way, so a failing pass still
    // shows its lag.
    if (error instanceof EtlPassError) recordEtlPass(error.reports);
    count('etl.failed');
    context.error('etl pass failed', error);
    throw error;
  } finally {
    await recordLevels(context);
  }
}

export const etlFunction = defineTimer({
  name: 'etl',
  schedule: settings().etl.schedule,
  handler: etlHandler,
});

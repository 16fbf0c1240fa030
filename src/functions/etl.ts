/**
 * Timer function `etl` (ETL_SCHEDULE, every minute by default): parses new hits into the warehouse, then runs
 * the match step when it exists. A pass holds one database-wide lock (src/etl/runEtl.ts), so an overlapping
 * run (a second instance, or a manual `npm run etl`) skips instead of interleaving.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { settings } from '../config.js';
import { runEtlPass } from '../etl/runEtl.js';
import { defineTimer } from '../runtime/define.js';
import { count } from '../runtime/metrics.js';
import { warehouse } from '../runtime/services.js';

export async function etlHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  try {
    const reports = await runEtlPass(warehouse(), settings().etl, (line) => context.log(line));
    for (const r of reports) {
      for (const [key, value] of Object.entries(r.totals)) {
        if (key !== 'FromId' && key !== 'ToId') count(`etl.${r.step}.${key}`, value);
      }
      if (r.outcome === 'budget-spent') count(`etl.${r.step}.budgetSpent`);
    }
  } catch (error) {
    count('etl.failed');
    context.error('etl pass failed', error);
    throw error;
  }
}

export const etlFunction = defineTimer({
  name: 'etl',
  schedule: settings().etl.schedule,
  handler: etlHandler,
});

/**
 * Timer function `datacenter-ranges` (RANGES_SCHEDULE, daily by default): downloads each enabled provider's
 * published IP ranges into PiXL.DatacenterRange. A provider that fails keeps its ranges and is logged as a
 * warning; the invocation fails only when the database itself cannot be used.
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { settings } from '../config.js';
import { refreshRanges } from '../enrich/ranges/refresh.js';
import { isProblem, reportLine } from '../enrich/ranges/report.js';
import { defineTimer } from '../runtime/define.js';
import { count } from '../runtime/metrics.js';
import { warehouse } from '../runtime/services.js';

export async function datacenterRangesHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  try {
    const reports = await refreshRanges(warehouse(), settings().ranges);
    for (const r of reports) {
      count(`ranges.${r.status}`);
      // Per provider, so an alert can see one provider failing day after day (infra/monitoring.bicep).
      count('ranges.refresh', 1, { provider: r.provider, status: r.status, ok: !isProblem(r) });
      if (isProblem(r)) context.warn(`datacenter ranges: ${reportLine(r)}`);
      else context.log(`datacenter ranges: ${reportLine(r)}`);
    }
  } catch (error) {
    count('ranges.error');
    context.error('datacenter-ranges failed', error);
    throw error;
  }
}

export const datacenterRangesFunction = defineTimer({
  name: 'datacenter-ranges',
  schedule: settings().ranges.schedule,
  handler: datacenterRangesHandler,
});

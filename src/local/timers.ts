/** Runs timer definitions on their six-field NCRONTAB schedules (seconds first), with croner. */
import type { Timer } from '@azure/functions';
import { Cron } from 'croner';
import { InvocationContext } from '../runtime/azureFunctions.js';
import type { TimerDefinition } from '../runtime/define.js';

export function startTimers(definitions: readonly TimerDefinition[]): { stop(): Promise<void> } {
  const running = new Set<Promise<void>>();
  const jobs = definitions.map((definition) => {
    let last = new Date();
    const tick = async (job?: Cron) => {
      const now = new Date();
      const timer: Timer = {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: {
          last: last.toISOString(),
          next: job?.nextRun()?.toISOString() ?? '',
          lastUpdated: now.toISOString(),
        },
      };
      last = now;
      const context = new InvocationContext({
        functionName: definition.name,
        invocationId: crypto.randomUUID(),
        options: { trigger: { type: 'timerTrigger', name: 'timer' } as never },
      });
      try {
        await definition.handler(timer, context);
      } catch (error) {
        console.error(`timer ${definition.name} failed:`, error);
      }
    };
    // A run in progress is kept, so that stopping waits for it (the services it uses close after).
    const fire = (job?: Cron) => {
      const run = tick(job).finally(() => running.delete(run));
      running.add(run);
      return run;
    };
    // protect: a run still going when the next is due is skipped, as the host's singleton lock does.
    const job = new Cron(definition.schedule, { protect: true, utcOffset: 0 }, fire);
    if (definition.runOnStartup) void fire(job);
    return job;
  });
  return {
    /** Stops the schedules and resolves once every run in progress has ended. */
    async stop() {
      for (const job of jobs) job.stop();
      await Promise.all(running);
    },
  };
}

/** The local runner's timers (src/local/timers.ts): stopping waits for a run in progress. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startTimers } from '../src/local/timers.js';
import type { TimerDefinition } from '../src/runtime/define.js';

describe('local timers', () => {
  it('resolve stop() only once the run in progress has ended', async () => {
    const events: string[] = [];
    const definition = {
      kind: 'timer',
      name: 'slow',
      schedule: '* * * * * *',
      runOnStartup: true,
      handler: async () => {
        events.push('started');
        await sleep(300);
        events.push('ended');
      },
    } as unknown as TimerDefinition;
    const timers = startTimers([definition]);
    while (!events.includes('started')) await sleep(10);
    await timers.stop();
    events.push('stopped');
    expect(events.slice(0, 3)).toEqual(['started', 'ended', 'stopped']);
  });
});

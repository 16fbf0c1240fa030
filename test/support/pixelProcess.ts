/**
 * The pixel (and health) functions of the local runner in a process of their own, so a test can kill it
 * with SIGKILL mid-outage. Settings come from the environment; PIXEL_PORT is the HTTP port. Answers
 * `counters` over IPC with the process's metric counters.
 */
import { parseSettings } from '../../src/config.js';
import { startLocalHost } from '../../src/local/host.js';
import { allCounters } from '../../src/runtime/metrics.js';

const host = await startLocalHost(parseSettings(process.env), {
  port: Number(process.env.PIXEL_PORT ?? 0),
  timers: false,
  only: ['pixel', 'health'],
});
process.on('message', (message) => {
  if (message === 'counters') process.send?.({ counters: allCounters() });
});
process.on('SIGTERM', () => {
  void host.stop().then(() => process.exit(0));
});
process.send?.({ url: host.url });

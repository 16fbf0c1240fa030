/**
 * An open-loop load generator: requests leave on a fixed schedule whatever the server does, and each
 * latency is measured from the request's scheduled time, so a stalled server cannot hide its queueing
 * (no coordinated omission). autocannon's rate option sends in bursts each second, which measures the bursts.
 */
import { Agent, get } from 'node:http';

export interface OpenLoopResult {
  sent: number;
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/** `url` may be a function of the request's number, so hits can differ as real ones do. */
export function openLoop(
  url: string | ((n: number) => string),
  ratePerSecond: number,
  seconds: number,
): Promise<OpenLoopResult> {
  const urlOf = typeof url === 'string' ? () => url : url;
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(ratePerSecond * seconds);
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  let finished = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const done = () => {
      if (++finished < total) return;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const at = (q: number) =>
        Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2));
      resolve({ sent, ok: latencies.length, errors, p50: at(0.5), p99: at(0.99), max: at(1) });
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * ratePerSecond));
      while (sent < due) {
        const scheduled = start + (sent * 1000) / ratePerSecond;
        const target = urlOf(sent);
        sent++;
        get(target, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) latencies.push(performance.now() - scheduled);
            else errors++;
            done();
          });
        }).on('error', () => {
          errors++;
          done();
        });
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
}

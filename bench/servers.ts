/**
 * Child processes of the ingest benchmark, so the load generator and the server do not share a core:
 * `bare` answers the GIF from plain node:http (this machine's ceiling); `pixel` is the local runner.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GIF_HEADERS, TRANSPARENT_GIF } from '../src/capture/gif.js';
import { parseSettings } from '../src/config.js';
import { startLocalHost } from '../src/local/host.js';
import { hitBatcher } from '../src/runtime/services.js';
import { telemetry } from '../src/runtime/telemetry.js';

const [mode, port] = [process.argv[2], Number(process.argv[3])];

if (mode === 'bare') {
  const server = createServer((_req, res) => {
    res.writeHead(200, { ...GIF_HEADERS, 'content-length': TRANSPARENT_GIF.length });
    res.end(TRANSPARENT_GIF);
  }).listen(port, () => process.send?.({ ready: true, port: (server.address() as AddressInfo).port }));
} else {
  const only = process.env.BENCH_ONLY?.split(',');
  const host = await startLocalHost(parseSettings(process.env), { port, timers: false, only });
  process.on('message', (message: { stats?: boolean; cpu?: boolean; flush?: boolean }) => {
    // CPU time of this process (the pixel's), in µs: the benchmark takes the difference over a phase.
    if (message.cpu) {
      const { user, system } = process.cpuUsage();
      process.send?.({
        cpuMicros: user + system,
        rssBytes: process.memoryUsage().rss,
        telemetry: telemetry().enabled,
      });
    }
    if (message.flush)
      void telemetry()
        .flush()
        .then(() => process.send?.({ flushed: true }));
    if (message.stats) {
      void host.queueStats().then((writer) =>
        process.send?.({
          stats: { enqueue: { ...hitBatcher().stats, sendLatency: hitBatcher().sendLatency() }, writer },
        }),
      );
    }
  });
  process.send?.({ ready: true, port: Number(new URL(host.url).port) });
}

// Exit through process.exit so --cpu-prof and similar exit hooks run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

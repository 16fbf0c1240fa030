/**
 * Child processes of the ingest benchmark, so the load generator and the server do not share a core:
 * `bare` answers the GIF from plain node:http (this machine's ceiling); `pixel` is the local runner (with
 * BENCH_ONLY naming the functions it runs: the pixel alone, or the hit-writer alone). Both answer, over IPC,
 * their CPU time (`cpu`); the local runner also its queue statistics (`stats`) and a V8 CPU profile of its
 * main thread between `profile: 'start'` and `profile: 'stop'`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { GIF_HEADERS, TRANSPARENT_GIF } from '../src/capture/gif.js';
import { parseSettings } from '../src/config.js';
import { startLocalHost } from '../src/local/host.js';
import { hitBatcher } from '../src/runtime/services.js';
import { telemetry } from '../src/runtime/telemetry.js';

const [mode, port] = [process.argv[2], Number(process.argv[3])];

/** This process's CPU time (all threads) and its main thread's alone (Linux /proc; ticks of 10 ms). */
function cpuReport() {
  const { user, system } = process.cpuUsage();
  let mainThreadMicros = Number.NaN;
  try {
    const fields =
      readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    mainThreadMicros = (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    // not Linux: the benchmark reports the process as a whole
  }
  return { cpuMicros: user + system, mainThreadMicros, rssBytes: process.memoryUsage().rss };
}

if (mode === 'bare') {
  const server = createServer((_req, res) => {
    res.writeHead(200, { ...GIF_HEADERS, 'content-length': TRANSPARENT_GIF.length });
    res.end(TRANSPARENT_GIF);
  }).listen(port, () => process.send?.({ ready: true, port: (server.address() as AddressInfo).port }));
  process.on('message', (message: { cpu?: boolean }) => {
    if (message.cpu) process.send?.(cpuReport());
  });
} else {
  const only = process.env.BENCH_ONLY?.split(',');
  const host = await startLocalHost(parseSettings(process.env), { port, timers: false, only });
  let profiler: Session | undefined;
  process.on('message', (message: { stats?: boolean; cpu?: boolean; flush?: boolean; profile?: string }) => {
    // CPU time of this process, in µs: the benchmark takes the difference over a phase.
    if (message.cpu) process.send?.({ ...cpuReport(), telemetry: telemetry().enabled });
    if (message.profile === 'start') {
      profiler = new Session();
      profiler.connect();
      void profiler
        .post('Profiler.enable')
        .then(() => profiler?.post('Profiler.start'))
        .then(() => process.send?.({ profiling: true }));
    }
    if (message.profile === 'stop' && profiler) {
      const session = profiler;
      void session.post('Profiler.stop').then(({ profile }) => {
        session.disconnect();
        process.send?.({ profile });
      });
    }
    if (message.flush)
      void telemetry()
        .flush()
        .then(() => process.send?.({ flushed: true }));
    if (message.stats) {
      const pixel = !only || only.includes('pixel');
      void host.queueStats().then((writer) =>
        process.send?.({
          stats: {
            enqueue: pixel ? { ...hitBatcher().stats, sendLatency: hitBatcher().sendLatency() } : {},
            writer,
          },
        }),
      );
    }
  });
  process.send?.({ ready: true, port: Number(new URL(host.url).port) });
}

// Exit through process.exit so --cpu-prof and similar exit hooks run.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));

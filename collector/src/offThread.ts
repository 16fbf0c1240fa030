/**
 * Intl and WebGL off the page's main thread. The first Intl object of a page loads ICU locale data
 * (30-50 ms) and a WebGL context costs 25 ms or more with a software GPU: a worker measures both while the
 * page goes on (docs/PERFORMANCE.md, "Collector script"). Where no worker can start (a Content-Security-Policy
 * without blob: workers, Trusted Types, no OffscreenCanvas WebGL) or it has not answered when the hit is
 * sent, the page measures them itself, so every key is still sent.
 */
import { localeKeys } from './locale';
import { type Data, safe, within } from './util';
import { webglPrint } from './webgl';

declare const __WORKER_SOURCE__: string;

/** The keys the worker measures; they hold their place in the hit from the start. */
const KEYS =
  'tz tzLocale dateFormat numberFormat relativeTime webgl webgl2 gpu gpuVendor webglParams webglExt webglFP webglEvasion';

export interface OffThread {
  /** Settles when the worker has answered or failed (at most `ms` after start). */
  ready: Promise<void>;
  /** Writes the worker's keys into `d`; what it has not measured is measured here. */
  apply(d: Data): void;
}

export function measureOffThread(d: Data, ms: number): OffThread {
  for (const k of KEYS.split(' ')) d[k] = '';
  let answer: Data | undefined;
  let stop = () => {};
  const done = new Promise<void>((resolve) => {
    try {
      const url = URL.createObjectURL(new Blob([__WORKER_SOURCE__], { type: 'text/javascript' }));
      const worker = new Worker(url);
      stop = () => {
        safe(() => worker.terminate(), undefined);
        safe(() => URL.revokeObjectURL(url), undefined);
        resolve();
      };
      worker.onmessage = (event: MessageEvent<Data>) => {
        answer = event.data;
        stop();
      };
      worker.onerror = () => stop();
    } catch {
      resolve();
    }
  });
  return {
    ready: within(done, ms, undefined),
    apply(target: Data) {
      stop();
      const got: Data = answer && typeof answer === 'object' ? answer : {};
      Object.assign(target, got);
      // What the worker could not measure (a browser without WebGL on OffscreenCanvas) is measured here.
      if (!('tz' in got)) safe(() => localeKeys(target), undefined);
      if (got.webgl !== 1) safe(() => webglPrint(target, document.createElement('canvas')), undefined);
    },
  };
}

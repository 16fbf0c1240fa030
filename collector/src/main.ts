/**
 * The SmartPiXL collector: measures the browser (every browser key of src/warehouse/fields.ts), waits for the
 * audio result plus 300 ms (at most 500 ms after start, so late mouse moves and async answers are in), then
 * sends one request to the pixel. Intl and WebGL are measured by a worker (collector/src/offThread.ts). It
 * never throws into the host page; an internal error is sent as `error=1&msg=…`. It calls no API that can raise
 * a permission prompt.
 *
 * Built by scripts/build-collector.ts; the script endpoint (src/functions/script.ts) fills in the two
 * placeholders below with the pixel URL and the pixel's client params.
 */

import { startAsync, startPeerConnection } from './async';
import { audioPrint } from './audio';
import { watchBehaviour } from './behaviour';
import { type ClientParams, formHoldsParam, readClientParams } from './clientParams';
import { navigatorProps, pageState, pluginsAndCapabilities, screenAndLocale } from './device';
import { type CanvasResult, canvasPrint, type FontResult, fontPrint, mathAndError } from './graphics';
import { measureOffThread, type OffThread } from './offThread';
import { queryString, send } from './send';
import { writeSignals } from './signals';
import { type Data, now, safe } from './util';

declare const __PIXEL_URL__: string;
declare const __CLIENT_PARAMS__: ClientParams;

const config = { url: __PIXEL_URL__, params: __CLIENT_PARAMS__ };

/**
 * Performance marks let a page (and bench/collector.ts) see start, ready and send without a global; the
 * `main-thread` mark's detail is the time the collector's own tasks held the page's main thread up to the send
 * (`total`) and the longest of those tasks (`longest`).
 */
const mark = (name: string, detail?: { total: number; longest: number }) =>
  safe(() => performance.mark(`smartpixl:${name}`, { detail }), undefined);

function sendError(error: unknown): void {
  safe(() => {
    const msg = String((error as Error)?.message || error).slice(0, 200);
    send(config.url, `tier=5&error=1&msg=${encodeURIComponent(msg)}`);
  }, undefined);
}

function run(): void {
  const startDate = Date.now();
  const t0 = now();
  mark('start');
  const d: Data = { tier: 5 };
  let sent: Record<string, string> | undefined;

  screenAndLocale(d);
  const blockedProps = navigatorProps(d);
  // The audio renders on the audio thread and the async answers come from the browser process: started first,
  // they run while the steps below hold the main thread.
  const audio = audioPrint(d);
  const pending = startAsync(d);
  const behaviour = watchBehaviour();
  let audioNoise = false;
  d.scriptExecTime = Date.now() - startDate;
  let mainThread = now() - t0;
  let longest = mainThread;

  // The rest runs in tasks of its own, so the page's input and rendering go on between them: a task over 50 ms
  // is a long task (docs/PERFORMANCE.md, "Collector script", has the longest of ours). A step not yet run when
  // the hit is sent runs then.
  let offThread: OffThread | undefined;
  let canvas: CanvasResult = { noise: false, blocked: false };
  let fonts: FontResult | undefined;
  const steps = [
    () => {
      offThread = measureOffThread(d, 450);
      Promise.all([audio, offThread.ready]).then(
        () => mark('ready'),
        () => {},
      );
      pluginsAndCapabilities(d);
      mathAndError(d);
    },
    () => startPeerConnection(d, pending),
    () => {
      canvas = canvasPrint(d);
    },
    () => {
      // An async script can run before <body> exists; the fonts are then measured when the hit is sent.
      if (document.body) fonts = fontPrint(d);
    },
  ];

  const fire = (beacon: boolean) => {
    if (sent) return;
    const f0 = now();
    try {
      for (let step = steps.shift(); step; step = steps.shift()) step();
      offThread?.apply(d);
      fonts ??= fontPrint(d);
      const flags = behaviour.write(d);
      pageState(d);
      writeSignals(d, {
        blockedProps,
        canvasNoise: canvas.noise,
        canvasBlocked: canvas.blocked,
        audioNoise,
        fonts: fonts.fonts,
        fontMismatch: fonts.mismatch,
        webrtcBlocked: pending.webrtcBlocked,
        behaviourFlags: flags,
        clientHintsPlatform: pending.clientHintsPlatform,
      });
      sent = readClientParams(config.params);
      mark('send');
      send(config.url, queryString({ ...d, ...sent }), beacon);
    } catch (error) {
      sent = {};
      sendError(error);
    }
    behaviour.stop();
    pending.close();
    const took = now() - f0;
    mark('main-thread', { total: mainThread + took, longest: Math.max(longest, took) });
  };

  const cap = setTimeout(() => fire(false), Math.max(0, 500 - (now() - t0)));
  const nextStep = () => {
    const step = steps.shift();
    if (!step || sent) return;
    const s0 = now();
    try {
      step();
    } catch (error) {
      // As an error in the synchronous start: the error is sent instead of the hit.
      sent = {};
      clearTimeout(cap);
      behaviour.stop();
      pending.close();
      return sendError(error);
    }
    const took = now() - s0;
    mainThread += took;
    longest = Math.max(longest, took);
    if (steps.length) setTimeout(nextStep, 0);
  };
  setTimeout(nextStep, 0);
  audio.then((result) => {
    audioNoise = result.noise;
    setTimeout(
      () => {
        clearTimeout(cap);
        fire(false);
      },
      Math.min(300, Math.max(0, 500 - (now() - t0))),
    );
  }, sendError);

  // A form holding a client param's field: its values are read again when it is submitted (an email typed
  // after the hit was sent), and sent by beacon because the page may be leaving.
  if (config.params.length)
    addEventListener(
      'submit',
      (event) => {
        try {
          if (!formHoldsParam(event.target, config.params)) return;
          if (!sent) return fire(true);
          const values = readClientParams(config.params);
          if (JSON.stringify(values) === JSON.stringify(sent)) return;
          sent = values;
          send(config.url, queryString({ ...d, ts: Date.now(), ...values }), true);
        } catch (error) {
          sendError(error);
        }
      },
      true,
    );
}

// The template unfilled (served by something other than the script endpoint) sends nothing.
if (/^https?:\/\//.test(config.url)) {
  try {
    run();
  } catch (error) {
    sendError(error);
  }
}

/**
 * Synchronous, cheap measurements: screen, navigator, plugins, capabilities, preferences, page. The Intl keys
 * are measured off the page's main thread (collector/src/offThread.ts).
 */
import { bit, type Data, type Loose, media, nav, put, safe, win } from './util';

export function screenAndLocale(d: Data): void {
  const s = screen;
  put(d, 'sw', () => s.width);
  put(d, 'sh', () => s.height);
  put(d, 'saw', () => s.availWidth);
  put(d, 'sah', () => s.availHeight);
  put(d, 'vw', () => innerWidth);
  put(d, 'vh', () => innerHeight);
  put(d, 'ow', () => outerWidth);
  put(d, 'oh', () => outerHeight);
  put(d, 'sx', () => screenX ?? win.screenLeft);
  put(d, 'sy', () => screenY ?? win.screenTop);
  put(d, 'cd', () => s.colorDepth);
  put(d, 'pd', () => Math.round((devicePixelRatio || 1) * 100) / 100);
  put(d, 'ori', () => s.orientation?.type);

  const date = new Date();
  put(d, 'tzo', () => date.getTimezoneOffset());
  put(d, 'ts', () => date.getTime());
  put(d, 'lang', () => nav.language);
  put(d, 'langs', () => (nav.languages || []).join(','));
}

/** Navigator properties read one by one: a property whose getter throws is a Proxy-wrapping extension. */
export function navigatorProps(d: Data): string[] {
  const blocked: string[] = [];
  const read = (key: string, prop: string, map: (v: Loose) => unknown = (v) => v) => {
    try {
      const v = nav[prop];
      put(d, key, () => map(v));
    } catch {
      blocked.push(prop);
      d[key] = '';
    }
  };
  read('plt', 'platform');
  read('vnd', 'vendor');
  read('ua', 'userAgent');
  read('cores', 'hardwareConcurrency');
  read('mem', 'deviceMemory');
  read('touch', 'maxTouchPoints');
  read('product', 'product');
  read('productSub', 'productSub');
  read('vendorSub', 'vendorSub');
  read('appName', 'appName');
  read('appVersion', 'appVersion');
  read('appCodeName', 'appCodeName');
  read('oscpu', 'oscpu');
  read('buildID', 'buildID');
  read('ck', 'cookieEnabled', bit);
  read('dnt', 'doNotTrack');
  read('pdf', 'pdfViewerEnabled', bit);
  read('webdr', 'webdriver', bit);
  read('online', 'onLine', bit);
  return blocked;
}

export function pluginsAndCapabilities(d: Data): void {
  const plugins = safe(() => Array.from(nav.plugins as ArrayLike<Plugin>), [] as Plugin[]);
  const mimes = safe(() => Array.from(nav.mimeTypes as ArrayLike<MimeType>), [] as MimeType[]);
  put(d, 'plugins', () => plugins.length);
  put(d, 'pluginList', () =>
    plugins
      .slice(0, 20)
      .map((p) => `${p.name}::${p.filename}::${(p.description || '').slice(0, 50)}`)
      .join('|'),
  );
  put(d, 'mimeTypes', () => mimes.length);
  put(d, 'mimeList', () =>
    mimes
      .slice(0, 30)
      .map((m) => m.type)
      .join(','),
  );
  put(d, 'voices', () =>
    (win.speechSynthesis ? speechSynthesis.getVoices() : [])
      .slice(0, 20)
      .map((v: SpeechSynthesisVoice) => `${v.name}/${v.lang}`)
      .join('|'),
  );
  put(d, 'gamepads', () =>
    Array.from((nav.getGamepads?.() || []) as ArrayLike<Gamepad | null>)
      .filter(Boolean)
      .map((g) => (g as Gamepad).id)
      .join('|'),
  );

  const c = nav.connection || {};
  put(d, 'conn', () => c.effectiveType);
  put(d, 'dl', () => c.downlink);
  put(d, 'dlMax', () => c.downlinkMax);
  put(d, 'rtt', () => c.rtt);
  put(d, 'save', () => bit(c.saveData));
  put(d, 'connType', () => c.type);

  put(d, 'ls', () => bit(win.localStorage));
  put(d, 'ss', () => bit(win.sessionStorage));
  put(d, 'idb', () => bit(win.indexedDB));
  put(d, 'caches', () => bit(win.caches));
  put(d, 'java', () => bit(nav.javaEnabled?.()));
  put(d, 'canvas', () => bit(document.createElement('canvas').getContext));
  put(d, 'wasm', () => bit(win.WebAssembly));
  put(d, 'ww', () => bit(win.Worker));
  put(d, 'swk', () => bit(nav.serviceWorker));
  put(d, 'mediaDevices', () => bit(nav.mediaDevices));
  put(d, 'clipboard', () => bit(nav.clipboard?.writeText));
  put(d, 'speechSynth', () => bit(win.speechSynthesis));
  put(d, 'touchEvent', () => bit('ontouchstart' in window));
  put(d, 'pointerEvent', () => bit(win.PointerEvent));

  d.hover = media('(hover: hover)');
  d.pointer = media('(pointer: fine)') ? 'fine' : media('(pointer: coarse)') ? 'coarse' : '';
  d.darkMode = media('(prefers-color-scheme: dark)');
  d.lightMode = media('(prefers-color-scheme: light)');
  d.reducedMotion = media('(prefers-reduced-motion: reduce)');
  d.reducedData = media('(prefers-reduced-data: reduce)');
  d.contrast = media('(prefers-contrast: more)') || media('(prefers-contrast: high)');
  d.forcedColors = media('(forced-colors: active)');
  d.invertedColors = media('(inverted-colors: inverted)');
  d.standalone = media('(display-mode: standalone)');

  put(d, 'chromeObj', () => bit(win.chrome));
  put(d, 'chromeRuntime', () => bit(win.chrome?.runtime));
  const memory = safe(() => win.performance.memory || {}, {});
  put(d, 'jsHeapLimit', () => memory.jsHeapSizeLimit);
  put(d, 'jsHeapTotal', () => memory.totalJSHeapSize);
  put(d, 'jsHeapUsed', () => memory.usedJSHeapSize);
}

/** Document, page and timing values: read when the hit is sent, so they describe the page at that moment. */
export function pageState(d: Data): void {
  put(d, 'docCharset', () => document.characterSet);
  put(d, 'docCompat', () => document.compatMode);
  put(d, 'docReady', () => document.readyState);
  put(d, 'docHidden', () => bit(document.hidden));
  put(d, 'docVisibility', () => document.visibilityState);
  put(d, 'url', () => location.href);
  put(d, 'ref', () => document.referrer);
  put(d, 'title', () => document.title);
  put(d, 'domain', () => location.hostname);
  put(d, 'path', () => location.pathname);
  put(d, 'hash', () => location.hash);
  put(d, 'protocol', () => location.protocol);
  put(d, 'hist', () => history.length);

  // PerformanceNavigationTiming times are ms since navigation start; 0 means "not reached yet".
  const t = safe(
    () => performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming,
    undefined,
  );
  const span = (end?: number, start = 0) => (t && end ? Math.round(end - start) : '');
  put(d, 'loadTime', () => span(t?.loadEventEnd));
  put(d, 'domTime', () => span(t?.domContentLoadedEventEnd));
  put(d, 'dnsTime', () => (t ? Math.round(t.domainLookupEnd - t.domainLookupStart) : ''));
  put(d, 'tcpTime', () => (t ? Math.round(t.connectEnd - t.connectStart) : ''));
  put(d, 'ttfb', () => (t ? Math.round(t.responseStart - t.requestStart) : ''));
}

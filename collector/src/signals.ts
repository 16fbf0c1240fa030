/**
 * Bot signals (botScore), evasion tools, stealth-plugin traces and cross-signal contradictions
 * (anomalyScore), with the original collector's weights (docs/ARCHITECTURE.md section 0). Reads what the measurements stored in `d`.
 */
import { bit, type Data, nav, safe, win } from './util';

export interface SignalInput {
  blockedProps: string[];
  canvasNoise: boolean;
  canvasBlocked: boolean;
  audioNoise: boolean;
  fonts: string[];
  fontMismatch: boolean;
  webrtcBlocked: boolean;
  behaviourFlags: string[];
  clientHintsPlatform?: string | undefined;
}

/** Globals that automation frameworks leave on the page. */
const AUTOMATION_GLOBALS = [
  '__playwright__binding__',
  '__pwInitScripts',
  '_selenium',
  'callSelenium',
  '__selenium_unwrapped',
  '__webdriver_evaluate',
  '__driver_evaluate',
  '_phantom',
  'callPhantom',
  '__nightmare',
  'domAutomation',
  'domAutomationController',
];

const isNative = (f: unknown) =>
  typeof f === 'function' && /\[native code\]\s*\}$/.test(Function.prototype.toString.call(f));

/** Getter time of `prop` against `userAgent`: a stealth plugin's replaced getter is much slower. */
function slowGetter(prop: string): boolean {
  const time = (p: string) => {
    const start = performance.now();
    for (let i = 0; i < 200; i++) void nav[p];
    return performance.now() - start;
  };
  const base = time('userAgent');
  return base > 0.05 && time(prop) > base * 5;
}

function stealth(): string[] {
  const out: string[] = [];
  try {
    if (slowGetter('webdriver')) out.push('webdriver-slow');
    if (slowGetter('platform')) out.push('platform-slow');
    const desc = Object.getOwnPropertyDescriptor(Navigator.prototype, 'webdriver');
    if (desc?.get && !isNative(desc.get)) out.push('toString-spoofed');
    if (!isNative(Function.prototype.toString)) out.push('toString-blocked');
    if (Object.getOwnPropertyNames(navigator).length > 0) out.push('nav-proto-modified');
    if (win.navigator.permissions && !isNative(win.navigator.permissions.query)) out.push('proxy-modified');
  } catch {
    out.push('timing-error');
  }
  return out;
}

const add = (list: string[], score: { v: number }, on: unknown, name: string, weight: number) => {
  if (on) {
    list.push(name);
    score.v += weight;
  }
};

export function writeSignals(d: Data, x: SignalInput): void {
  const ua = String(d.ua);
  const platform = String(d.plt);
  const bot: string[] = [];
  const botScore = { v: 0 };
  add(bot, botScore, d.webdr === 1, 'webdriver', 10);
  add(bot, botScore, /HeadlessChrome|PhantomJS|Headless/i.test(ua), 'headless-ua', 10);
  add(
    bot,
    botScore,
    safe(() => Object.keys(window).some((k) => /^cdc_|^\$cdc_|^__\$webdriverAsync/.test(k)), false) ||
      safe(() => Object.keys(document).some((k) => /^\$?cdc_/.test(k)), false),
    'cdp',
    10,
  );
  add(
    bot,
    botScore,
    AUTOMATION_GLOBALS.some((g) => safe(() => g in win, false)),
    'automation-globals',
    10,
  );
  add(bot, botScore, !nav.languages || nav.languages.length === 0, 'no-languages', 5);
  add(bot, botScore, !d.sw || !d.sh, 'zero-screen', 8);
  add(bot, botScore, d.ow === 0 && d.oh === 0, 'zero-outer', 5);
  add(bot, botScore, /Chrome\//.test(ua) && !/Mobile|Android/.test(ua) && d.plugins === 0, 'no-plugins', 3);
  add(bot, botScore, d.cores === 0, 'no-cores', 3);
  d.botSignals = bot.join(',');
  d.botScore = botScore.v;

  const stealthSignals = stealth();
  d.stealthSignals = stealthSignals.join(',');
  d._proxyBlocked = x.blockedProps.join(',');

  const renderer = String(d.gpu);
  const sw = Number(d.sw);
  const sh = Number(d.sh);
  const mobileUa = /Mobile|Android|iPhone|iPad/.test(ua);
  const evasion: string[] = [];
  const ev = (on: unknown, name: string) => on && evasion.push(name);
  ev(sw === 1000 && sh === 1000, 'tor-screen');
  ev(sw % 200 === 0 && sh % 100 === 0 && Number(d.vw) % 200 === 0 && !d.plugins, 'tor-likely');
  ev(nav.brave, 'brave');
  ev(x.webrtcBlocked, 'webrtc-blocked');
  const uaOs = /Windows/.test(ua)
    ? 'Win'
    : /Mac OS X/.test(ua) && !mobileUa
      ? 'Mac'
      : /Linux|X11/.test(ua)
        ? 'Linux'
        : '';
  ev(
    uaOs && platform && !platform.includes(uaOs) && !(uaOs === 'Linux' && /Linux|X11/.test(platform)),
    'ua-platform-mismatch',
  );
  ev(mobileUa && sw > 1280, 'mobile-ua-desktop-screen');
  ev(mobileUa && d.touch === 0, 'touch-mismatch');
  ev(x.blockedProps.length > 0, 'partial-js-block');
  const chPlatform = x.clientHintsPlatform || String(d.uaPlatform || '');
  ev(
    chPlatform &&
      uaOs &&
      !(
        (uaOs === 'Win' && chPlatform === 'Windows') ||
        (uaOs === 'Mac' && chPlatform === 'macOS') ||
        (uaOs === 'Linux' && /Linux|Chrome OS|Android/.test(chPlatform))
      ),
    'clienthints-platform-mismatch',
  );
  d.evasionDetected = evasion.join(',');

  const v2: string[] = [];
  const e2 = (on: unknown, name: string) => on && v2.push(name);
  e2(Number(d.vw) % 200 === 0 && Number(d.vh) % 100 === 0 && Number(d.vw) > 0, 'tor-letterbox-viewport');
  e2(sw % 200 === 0 && sh % 100 === 0 && sw > 0 && sw !== 800 && !d.plugins, 'tor-letterbox-screen');
  e2(x.fonts.length < 5, 'minimal-fonts');
  e2(x.canvasNoise, 'canvas-noise');
  e2(x.canvasBlocked, 'canvas-blocked');
  e2(x.audioNoise, 'audio-noise');
  e2(x.fontMismatch, 'font-spoof');
  e2(
    stealthSignals.some((s) => s !== 'timing-error'),
    'stealth-detected',
  );
  d.evasionSignalsV2 = v2.join(',');

  const cross: string[] = [];
  const anomaly = { v: 0 };
  const windowsFonts = ['Segoe UI', 'Calibri', 'Cambria', 'Consolas', 'Microsoft Sans Serif'];
  add(
    cross,
    anomaly,
    uaOs === 'Mac' && x.fonts.filter((f) => windowsFonts.includes(f)).length >= 3,
    'windows-fonts-on-mac',
    10,
  );
  add(
    cross,
    anomaly,
    /Safari\//.test(ua) && !/Chrome|Chromium|CriOS|Edg/.test(ua) && d.chromeObj === 1,
    'safari-ua-chrome-obj',
    10,
  );
  add(
    cross,
    anomaly,
    /Chrome\//.test(ua) && !/Edg|OPR|CriOS/.test(ua) && d.chromeObj === 0,
    'chrome-ua-no-chrome-obj',
    8,
  );
  add(cross, anomaly, /swiftshader|llvmpipe/i.test(renderer), 'software-gpu', 8);
  add(cross, anomaly, /Firefox\//.test(ua) && d.chromeObj === 1, 'firefox-ua-chrome-obj', 10);
  add(cross, anomaly, mobileUa && d.touch === 0, 'mobile-no-touch', 8);
  add(
    cross,
    anomaly,
    uaOs && platform && evasion.includes('ua-platform-mismatch'),
    'platform-ua-mismatch',
    10,
  );
  add(cross, anomaly, x.fontMismatch, 'font-method-mismatch', 5);
  for (const f of x.behaviourFlags) add(cross, anomaly, true, f, f === 'scroll-no-depth' ? 8 : 5);
  d.crossSignals = cross.join(',');
  d.anomalyScore = anomaly.v;
  d.combinedThreatScore = botScore.v + Math.min(anomaly.v, 25);
  d.webdr = bit(d.webdr === 1);
}

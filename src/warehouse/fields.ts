/**
 * The field catalog: every query-string key the pixel sends, with its PiXL.Parsed column, SQL type, group and
 * meaning (source: fields.tsv of the reference). The PiXL.Parsed DDL and the parse projection of both engines
 * are generated from it (`npm run gen:sql`), and so can the collector's key list be.
 *
 * Adding a field is one line: append it to its group with `since` set to the number of a new migration, then
 * run `npm run gen:sql` (see scripts/generate-sql.ts).
 *
 * Typing rules, the same on both engines (test/etl.conformance.test.ts and its model test/support/etlModel.ts):
 * - a key that is absent gives NULL; a bad value gives NULL and never fails the batch;
 * - INT / BIGINT: an optional sign then ASCII digits only (no spaces, '.', exponent, 0x, '_'), at most 30
 *   characters, within the type's range;
 * - DECIMAL(p,s): an optional sign, ASCII digits with at most one '.', at most 30 characters; rounded half away
 *   from zero to s places; NULL when that needs more than p - s integer digits;
 * - BIT: '1' / 'true' give 1, '0' / 'false' give 0, in any letter case; anything else NULL;
 * - VARCHAR(n): the first n characters (Unicode code points); an empty value stays ''.
 */

import { SIGNALS_MIGRATION } from '../enrich/signals.js';

export type SqlType =
  | { kind: 'bit' }
  | { kind: 'int' }
  | { kind: 'bigint' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'varchar'; length: number };

export interface Field {
  /** Query-string key, case-sensitive. */
  key: string;
  /** Column of PiXL.Parsed (same name on both engines). */
  column: string;
  /** The type as fields.tsv writes it, e.g. `VARCHAR(200)`. */
  type: string;
  sqlType: SqlType;
  group: string;
  meaning: string;
  /** Number of the generated migration that adds the column (the first 166 arrive with 0003). */
  since: number;
  /**
   * From this migration on the ETL computes the column itself and ignores the client's key: the `_srv_*` values
   * were appended by the original's server, so a value a client sends is hostile input (src/enrich/signals.ts).
   */
  computedSince?: number;
}

/** The migration that creates PiXL.Parsed and the parse procedure. */
export const PARSED_BASE_MIGRATION = 3;

type Line = [
  key: string,
  column: string,
  type: string,
  meaning: string,
  options?: { since?: number; computedSince?: number },
];

export function parseSqlType(type: string): SqlType {
  const t = type.trim().toUpperCase();
  if (t === 'BIT' || t === 'INT' || t === 'BIGINT')
    return { kind: t.toLowerCase() as 'bit' | 'int' | 'bigint' };
  const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return { kind: 'decimal', precision: Number(dec[1]), scale: Number(dec[2]) };
  const str = /^VARCHAR\((\d+)\)$/.exec(t);
  if (str) return { kind: 'varchar', length: Number(str[1]) };
  throw new Error(`unsupported SQL type in the field catalog: ${type}`);
}

/** The `_srv_*` fields: computed by the ETL from the signals migration on. */
const SERVER = { computedSince: SIGNALS_MIGRATION } as const;

function group(name: string, lines: Line[]): Field[] {
  return lines.map(([key, column, type, meaning, options]) => ({
    key,
    column,
    type,
    sqlType: parseSqlType(type),
    group: name,
    meaning,
    since: options?.since ?? PARSED_BASE_MIGRATION,
    ...(options?.computedSince === undefined ? {} : { computedSince: options.computedSince }),
  }));
}

export const FIELDS: readonly Field[] = [
  ...group('Identity & Server Context', [
    ['synthetic', 'IsSynthetic', 'BIT', 'set to 1 by internal Playwright test runners (not by the pixel JS)'],
    ['tier', 'Tier', 'INT', 'constant 5 (script tier marker)'],
  ]),
  ...group('Screen & Display', [
    ['sw', 'ScreenWidth', 'INT', 'screen.width'],
    ['sh', 'ScreenHeight', 'INT', 'screen.height'],
    ['saw', 'ScreenAvailWidth', 'INT', 'screen.availWidth'],
    ['sah', 'ScreenAvailHeight', 'INT', 'screen.availHeight'],
    ['vw', 'ViewportWidth', 'INT', 'window.innerWidth (viewport)'],
    ['vh', 'ViewportHeight', 'INT', 'window.innerHeight'],
    ['ow', 'OuterWidth', 'INT', 'window.outerWidth'],
    ['oh', 'OuterHeight', 'INT', 'window.outerHeight'],
    ['sx', 'ScreenX', 'INT', 'window.screenX/screenLeft'],
    ['sy', 'ScreenY', 'INT', 'window.screenY/screenTop'],
    ['cd', 'ColorDepth', 'INT', 'screen.colorDepth'],
    ['pd', 'PixelRatio', 'DECIMAL(5,2)', 'devicePixelRatio (default 1)'],
    ['ori', 'ScreenOrientation', 'VARCHAR(50)', 'screen.orientation.type'],
  ]),
  ...group('Locale & Internationalization', [
    ['tz', 'Timezone', 'VARCHAR(100)', 'IANA zone from Intl.DateTimeFormat().resolvedOptions().timeZone'],
    ['tzo', 'TimezoneOffsetMins', 'INT', 'Date.getTimezoneOffset() minutes'],
    ['ts', 'ClientTimestampMs', 'BIGINT', 'client epoch ms (Date.getTime())'],
    [
      'tzLocale',
      'TimezoneLocale',
      'VARCHAR(200)',
      'resolvedOptions locale|calendar|numberingSystem|hourCycle (pipe-joined)',
    ],
    ['dateFormat', 'DateFormatSample', 'VARCHAR(200)', 'Intl.DateTimeFormat().format(15 Jan 2024)'],
    ['numberFormat', 'NumberFormatSample', 'VARCHAR(200)', 'Intl.NumberFormat().format(1234567.89)'],
    ['relativeTime', 'RelativeTimeSample', 'VARCHAR(200)', 'Intl.RelativeTimeFormat().format(-1,"day")'],
    ['lang', 'Language', 'VARCHAR(50)', 'navigator.language'],
    ['langs', 'LanguageList', 'VARCHAR(500)', 'navigator.languages joined with ","'],
  ]),
  ...group('Browser & Navigator', [
    ['plt', 'Platform', 'VARCHAR(100)', 'navigator.platform'],
    ['vnd', 'Vendor', 'VARCHAR(200)', 'navigator.vendor'],
    ['ua', 'ClientUserAgent', 'VARCHAR(2000)', 'navigator.userAgent (client-side)'],
    ['cores', 'HardwareConcurrency', 'INT', 'navigator.hardwareConcurrency'],
    ['mem', 'DeviceMemoryGB', 'DECIMAL(5,2)', 'navigator.deviceMemory (GB)'],
    ['touch', 'MaxTouchPoints', 'INT', 'navigator.maxTouchPoints'],
    ['product', 'NavigatorProduct', 'VARCHAR(50)', 'navigator.product'],
    ['productSub', 'NavigatorProductSub', 'VARCHAR(50)', 'navigator.productSub'],
    ['vendorSub', 'NavigatorVendorSub', 'VARCHAR(200)', 'navigator.vendorSub'],
    ['appName', 'AppName', 'VARCHAR(100)', 'navigator.appName'],
    ['appVersion', 'AppVersion', 'VARCHAR(500)', 'navigator.appVersion'],
    ['appCodeName', 'AppCodeName', 'VARCHAR(100)', 'navigator.appCodeName'],
  ]),
  ...group('GPU & WebGL', [
    ['gpu', 'GPURenderer', 'VARCHAR(500)', 'UNMASKED_RENDERER_WEBGL (WEBGL_debug_renderer_info)'],
    ['gpuVendor', 'GPUVendor', 'VARCHAR(200)', 'UNMASKED_VENDOR_WEBGL'],
    [
      'webglParams',
      'WebGLParameters',
      'VARCHAR(2000)',
      'first 5 WebGL params (VERSION|SLV|VENDOR|RENDERER|MAX_VERTEX_ATTRIBS) pipe-joined',
    ],
    ['webglExt', 'WebGLExtensionCount', 'INT', 'count of getSupportedExtensions()'],
    ['webgl', 'WebGLSupported', 'BIT', 'webgl context obtainable (1/0)'],
    ['webgl2', 'WebGL2Supported', 'BIT', 'webgl2 context obtainable (1/0)'],
  ]),
  ...group('Fingerprint Signals', [
    [
      'canvasFP',
      'CanvasFingerprint',
      'VARCHAR(200)',
      '32-bit string hash (hex) of 280x60 canvas toDataURL (text "SmartPiXL <canvas> 1.0", "Fingerprint!", arc)',
    ],
    ['webglFP', 'WebGLFingerprint', 'VARCHAR(200)', 'hash of 23 WebGL getParameter values + extension list'],
    [
      'audioFP',
      'AudioFingerprintSum',
      'VARCHAR(200)',
      'OfflineAudioContext triangle 10 kHz osc -> DynamicsCompressor; sum of |samples| 4500..5000 (toFixed 6), or "blocked"/"error"',
    ],
    ['audioHash', 'AudioFingerprintHash', 'VARCHAR(200)', 'hash of every 100th rendered sample (toFixed 4)'],
    [
      'mathFP',
      'MathFingerprint',
      'VARCHAR(200)',
      '8 Math results (tan(-1e300), sin(1), acos(.5), atan(2), exp(1), log(2), sqrt(2), pow(2,53)), 10 chars each, comma-joined',
    ],
    [
      'errorFP',
      'ErrorFingerprint',
      'VARCHAR(200)',
      'length of message + stack of the TypeError from null[0]()',
    ],
    [
      'cssFontVariant',
      'CSSFontVariantHash',
      'VARCHAR(200)',
      '10 computed font-variant/feature CSS props (4 chars each) + span offsetWidth, pipe-joined',
    ],
    [
      'fonts',
      'DetectedFonts',
      'VARCHAR(4000)',
      'comma list of detected fonts out of 30 tested (width vs monospace baseline, 72px "mmmmmmmmmmlli")',
    ],
  ]),
  ...group('Plugins & MIME', [
    ['plugins', 'PluginCount', 'INT', 'navigator.plugins.length'],
    ['pluginList', 'PluginListDetailed', 'VARCHAR(4000)', 'up to 20 plugins name::filename::description(50)'],
    ['mimeTypes', 'MimeTypeCount', 'INT', 'navigator.mimeTypes.length'],
    ['mimeList', 'MimeTypeList', 'VARCHAR(4000)', 'up to 30 MIME type strings'],
  ]),
  ...group('Speech & Input Devices', [
    [
      'voices',
      'SpeechVoices',
      'VARCHAR(4000)',
      'speechSynthesis.getVoices() name/lang, first 20, pipe-joined',
    ],
    ['gamepads', 'ConnectedGamepads', 'VARCHAR(1000)', 'connected gamepad ids pipe-joined'],
  ]),
  ...group('Network & Connection', [
    [
      'localIp',
      'WebRTCLocalIP',
      'VARCHAR(50)',
      'first IPv4 seen in a WebRTC ICE candidate (RTCPeerConnection, no ICE servers)',
    ],
    ['conn', 'ConnectionType', 'VARCHAR(50)', 'navigator.connection.effectiveType'],
    ['dl', 'DownlinkMbps', 'DECIMAL(10,2)', 'connection.downlink (Mbps)'],
    ['dlMax', 'DownlinkMax', 'VARCHAR(50)', 'connection.downlinkMax'],
    ['rtt', 'RTTMs', 'INT', 'connection.rtt (ms)'],
    ['save', 'DataSaverEnabled', 'BIT', 'connection.saveData (1/0)'],
    ['connType', 'NetworkType', 'VARCHAR(50)', 'connection.type'],
    ['online', 'IsOnline', 'BIT', 'navigator.onLine (1/0)'],
  ]),
  ...group('Storage', [
    ['storageQuota', 'StorageQuotaGB', 'INT', 'navigator.storage.estimate().quota in GB (rounded)'],
    ['storageUsed', 'StorageUsedMB', 'INT', 'estimate().usage in MB (rounded)'],
  ]),
  ...group('API Capabilities', [
    ['ls', 'LocalStorageSupported', 'BIT', 'localStorage available'],
    ['ss', 'SessionStorageSupported', 'BIT', 'sessionStorage available'],
    ['idb', 'IndexedDBSupported', 'BIT', 'indexedDB present'],
    ['caches', 'CacheAPISupported', 'BIT', 'CacheStorage present'],
    ['batteryLevel', 'BatteryLevelPct', 'INT', 'getBattery().level x100'],
    ['batteryCharging', 'BatteryCharging', 'BIT', 'getBattery().charging (1/0)'],
    ['audioInputs', 'AudioInputDevices', 'INT', 'enumerateDevices audioinput count'],
    ['videoInputs', 'VideoInputDevices', 'INT', 'enumerateDevices videoinput count'],
    ['ck', 'CookiesEnabled', 'BIT', 'cookieEnabled (1/0)'],
    ['dnt', 'DoNotTrack', 'VARCHAR(50)', 'navigator.doNotTrack raw value'],
    ['pdf', 'PDFViewerEnabled', 'BIT', 'pdfViewerEnabled (1/0)'],
    ['webdr', 'WebDriverDetected', 'BIT', 'navigator.webdriver (1/0)'],
    ['java', 'JavaEnabled', 'BIT', 'javaEnabled() (1/0)'],
    ['canvas', 'CanvasSupported', 'BIT', 'canvas.getContext exists'],
    ['wasm', 'WebAssemblySupported', 'BIT', 'WebAssembly object present'],
    ['ww', 'WebWorkersSupported', 'BIT', 'Worker present'],
    ['swk', 'ServiceWorkerSupported', 'BIT', 'navigator.serviceWorker present'],
    ['mediaDevices', 'MediaDevicesAPISupported', 'BIT', 'navigator.mediaDevices present'],
    ['clipboard', 'ClipboardAPISupported', 'BIT', 'clipboard.writeText present'],
    ['speechSynth', 'SpeechSynthesisSupported', 'BIT', 'window.speechSynthesis present'],
    ['touchEvent', 'TouchEventsSupported', 'BIT', '"ontouchstart" in window'],
    ['pointerEvent', 'PointerEventsSupported', 'BIT', 'PointerEvent present'],
  ]),
  ...group('Accessibility & Preferences', [
    ['hover', 'HoverCapable', 'BIT', 'matchMedia (hover: hover)'],
    ['pointer', 'PointerType', 'VARCHAR(20)', '"fine" / "coarse" / "" from pointer media queries'],
    ['darkMode', 'PrefersColorSchemeDark', 'BIT', 'prefers-color-scheme: dark'],
    ['lightMode', 'PrefersColorSchemeLight', 'BIT', 'prefers-color-scheme: light'],
    ['reducedMotion', 'PrefersReducedMotion', 'BIT', 'prefers-reduced-motion: reduce'],
    ['reducedData', 'PrefersReducedData', 'BIT', 'prefers-reduced-data: reduce'],
    ['contrast', 'PrefersHighContrast', 'BIT', 'prefers-contrast: high'],
    ['forcedColors', 'ForcedColorsActive', 'BIT', 'forced-colors: active'],
    ['invertedColors', 'InvertedColorsActive', 'BIT', 'inverted-colors: inverted'],
    ['standalone', 'StandaloneDisplayMode', 'BIT', 'display-mode: standalone'],
  ]),
  ...group('Document State', [
    ['docCharset', 'DocumentCharset', 'VARCHAR(50)', 'document.characterSet'],
    ['docCompat', 'DocumentCompatMode', 'VARCHAR(50)', 'document.compatMode'],
    ['docReady', 'DocumentReadyState', 'VARCHAR(50)', 'document.readyState'],
    ['docHidden', 'DocumentHidden', 'BIT', 'document.hidden (1/0)'],
    ['docVisibility', 'DocumentVisibility', 'VARCHAR(50)', 'document.visibilityState'],
  ]),
  ...group('Page Context', [
    ['url', 'PageURL', 'VARCHAR(2000)', 'location.href'],
    ['ref', 'PageReferrer', 'VARCHAR(2000)', 'document.referrer'],
    ['title', 'PageTitle', 'VARCHAR(1000)', 'document.title'],
    ['domain', 'PageDomain', 'VARCHAR(500)', 'location.hostname'],
    ['path', 'PagePath', 'VARCHAR(1000)', 'location.pathname'],
    ['hash', 'PageHash', 'VARCHAR(500)', 'location.hash'],
    ['protocol', 'PageProtocol', 'VARCHAR(20)', 'location.protocol'],
    ['hist', 'HistoryLength', 'INT', 'history.length'],
  ]),
  ...group('Performance Timing', [
    ['loadTime', 'PageLoadTimeMs', 'INT', 'performance.timing loadEventEnd - navigationStart'],
    ['domTime', 'DOMReadyTimeMs', 'INT', 'domContentLoadedEventEnd - navigationStart'],
    ['dnsTime', 'DNSLookupMs', 'INT', 'domainLookupEnd - domainLookupStart'],
    ['tcpTime', 'TCPConnectMs', 'INT', 'connectEnd - connectStart'],
    ['ttfb', 'TimeToFirstByteMs', 'INT', 'responseStart - requestStart'],
  ]),
  ...group('Bot Detection', [
    [
      'botSignals',
      'BotSignalsList',
      'VARCHAR(4000)',
      'comma list of triggered client bot signals (see facts file)',
    ],
    ['botScore', 'BotScore', 'INT', 'sum of bot-signal weights (not capped in code)'],
    ['combinedThreatScore', 'CombinedThreatScore', 'INT', 'botScore + min(anomalyScore,25)'],
    ['scriptExecTime', 'ScriptExecutionTimeMs', 'INT', 'ms between script start Date and bot-check point'],
    [
      'botPermInconsistent',
      'BotPermissionInconsistent',
      'BIT',
      '1 if Permissions API says notifications "denied" while Notification.permission is "default" (async)',
    ],
  ]),
  ...group('Evasion Detection', [
    [
      'canvasEvasion',
      'CanvasEvasionDetected',
      'BIT',
      '1 if 100-pixel sample variance <1 or dataURL length <1000',
    ],
    [
      'webglEvasion',
      'WebGLEvasionDetected',
      'BIT',
      '1 if renderer is SwiftShader/llvmpipe/"Mesa"/"Disabled"',
    ],
    [
      'evasionDetected',
      'EvasionToolsDetected',
      'VARCHAR(1000)',
      'comma list: tor-screen, tor-likely, brave, webrtc-blocked, ua-platform-mismatch, mobile-ua-desktop-screen, touch-mismatch, partial-js-block, clienthints-platform-mismatch',
    ],
    [
      '_proxyBlocked',
      'ProxyBlockedProperties',
      'VARCHAR(1000)',
      'comma list of navigator props whose access threw (Proxy-wrapping privacy extensions)',
    ],
  ]),
  ...group('Client Hints', [
    ['uaArch', 'UA_Architecture', 'VARCHAR(50)', 'getHighEntropyValues architecture'],
    ['uaBitness', 'UA_Bitness', 'VARCHAR(10)', 'bitness'],
    ['uaModel', 'UA_Model', 'VARCHAR(200)', 'model'],
    ['uaPlatformVersion', 'UA_PlatformVersion', 'VARCHAR(100)', 'platformVersion'],
    ['uaFullVersion', 'UA_FullVersionList', 'VARCHAR(500)', 'fullVersionList brand/version pipe-joined'],
    ['uaWow64', 'UA_IsWow64', 'BIT', 'wow64 (1/0)'],
    ['uaMobile', 'UA_IsMobile', 'BIT', 'userAgentData.mobile (1/0)'],
    ['uaPlatform', 'UA_Platform', 'VARCHAR(50)', 'userAgentData.platform'],
    ['uaBrands', 'UA_Brands', 'VARCHAR(500)', 'userAgentData.brands brand/version pipe-joined'],
    ['uaFormFactor', 'UA_FormFactor', 'VARCHAR(100)', 'formFactor list comma-joined'],
  ]),
  ...group('Browser-Specific', [
    ['oscpu', 'Firefox_OSCPU', 'VARCHAR(200)', 'navigator.oscpu (Firefox)'],
    ['buildID', 'Firefox_BuildID', 'VARCHAR(100)', 'navigator.buildID (Firefox)'],
    ['chromeObj', 'Chrome_ObjectPresent', 'BIT', 'window.chrome exists'],
    ['chromeRuntime', 'Chrome_RuntimePresent', 'BIT', 'window.chrome.runtime exists'],
    ['jsHeapLimit', 'Chrome_JSHeapSizeLimit', 'BIGINT', 'performance.memory.jsHeapSizeLimit'],
    ['jsHeapTotal', 'Chrome_TotalJSHeapSize', 'BIGINT', 'performance.memory.totalJSHeapSize'],
    ['jsHeapUsed', 'Chrome_UsedJSHeapSize', 'BIGINT', 'performance.memory.usedJSHeapSize'],
  ]),
  ...group('Advanced Fingerprint Stability', [
    [
      'canvasConsistency',
      'CanvasConsistency',
      'VARCHAR(50)',
      '"clean" / "noise-detected" (two identical canvases hash differently) / "canvas-blocked" (drawing does not change hash) / "error"',
    ],
    ['audioStable', 'AudioIsStable', 'BIT', '1 if two audio renders give the same sum'],
    [
      'audioNoiseDetected',
      'AudioNoiseInjectionDetected',
      'BIT',
      '1 if the two renders differ (and not blocked)',
    ],
  ]),
  ...group('Behavioral Biometrics', [
    ['mouseMoves', 'MouseMoveCount', 'INT', 'mousemove events captured (max 50) before send'],
    ['scrolled', 'UserScrolled', 'BIT', 'scroll event seen (1/0)'],
    ['scrollY', 'ScrollDepthPx', 'INT', 'scrollY at send time'],
    ['mouseEntropy', 'MouseEntropy', 'INT', 'variance of move angles x1000 (0 if <5 moves)'],
    [
      'scrollContradiction',
      'ScrollContradiction',
      'BIT',
      '1 if scrolled but scrollY==0 (adds "scroll-no-depth", +8 anomaly)',
    ],
    ['moveTimingCV', 'MoveTimingCV', 'INT', 'coefficient of variation of inter-move time x1000'],
    ['moveSpeedCV', 'MoveSpeedCV', 'INT', 'coefficient of variation of move speed x1000'],
    ['moveCountBucket', 'MoveCountBucket', 'VARCHAR(20)', 'low(<5)/mid(<20)/high(<50)/very-high'],
    [
      'behavioralFlags',
      'BehavioralFlags',
      'VARCHAR(200)',
      'uniform-timing (timing CV<0.3) / uniform-speed (speed CV<0.2), each +5 anomaly',
    ],
  ]),
  ...group('Cross-Signal & Stealth', [
    [
      'stealthSignals',
      'StealthPluginSignals',
      'VARCHAR(500)',
      'webdriver-slow / platform-slow (getter >5x slower than userAgent), toString-spoofed, toString-blocked, nav-proto-modified, proxy-modified, timing-error',
    ],
    [
      'fontMethodMismatch',
      'FontMethodMismatch',
      'BIT',
      '1 if offsetWidth vs getBoundingClientRect font detection disagree',
    ],
    [
      'evasionSignalsV2',
      'EvasionSignalsV2',
      'VARCHAR(500)',
      'tor-letterbox-viewport, tor-letterbox-screen, minimal-fonts (<5), canvas-noise, canvas-blocked, audio-noise, font-spoof, stealth-detected',
    ],
    [
      'crossSignals',
      'CrossSignalFlags',
      'VARCHAR(500)',
      'comma list of cross-signal inconsistency flags (see facts file)',
    ],
    ['anomalyScore', 'AnomalyScore', 'INT', 'sum of cross-signal weights'],
  ]),
  ...group('Server-side IP behavior (_srv_)', [
    ['_srv_subnetIps', 'Srv_SubnetIps', 'INT', 'server: unique IPs in same /24 in last 5 min', SERVER],
    ['_srv_subnetHits', 'Srv_SubnetHits', 'INT', 'server: hits from same /24 in last 5 min', SERVER],
    ['_srv_hitsIn15s', 'Srv_HitsIn15s', 'INT', 'server: hits from same IP in last 15 s', SERVER],
    [
      '_srv_lastGapMs',
      'Srv_LastGapMs',
      'BIGINT',
      'server: ms since previous hit from IP (-1 = first)',
      SERVER,
    ],
    ['_srv_subSecDupe', 'Srv_SubSecDupe', 'BIT', 'server: previous hit <1000 ms ago', SERVER],
    ['_srv_subnetAlert', 'Srv_SubnetAlert', 'BIT', 'server: >=3 unique IPs in /24 in 5 min', SERVER],
    ['_srv_rapidFire', 'Srv_RapidFire', 'BIT', 'server: >=3 hits from IP in 15 s', SERVER],
  ]),
];

/** Columns of PiXL.Parsed that do not come from the query string, in table order after the catalog's. */
export const PARSED_CONTEXT_COLUMNS = [
  'SourceId',
  'CompanyID',
  'PiXLID',
  'IPAddress',
  'ReceivedAt',
  'RequestPath',
  'ServerUserAgent',
  'ServerReferer',
  'ParsedAt',
] as const;

/** The five fields whose values, '|'-joined, make PiXL.Device.DeviceHash (in this order). */
export const DEVICE_HASH_COLUMNS = [
  'CanvasFingerprint',
  'DetectedFonts',
  'GPURenderer',
  'WebGLFingerprint',
  'AudioFingerprintHash',
] as const;

/** The PiXL.Device columns the parse fills from the device's first hit: the hash's five, then these. */
export const DEVICE_COLUMNS = [
  ...DEVICE_HASH_COLUMNS,
  'GPUVendor',
  'Platform',
  'HardwareConcurrency',
  'DeviceMemoryGB',
  'ScreenWidth',
  'ScreenHeight',
  'ColorDepth',
  'PixelRatio',
  'MaxTouchPoints',
] as const;

/**
 * The query-string keys of the composite fingerprint whose stability per IP the behaviour signals track
 * (ETL.SignalHit.FpHash, src/enrich/signals.ts).
 */
export const FINGERPRINT_KEYS = ['canvasFP', 'webglFP', 'audioHash'] as const;

/** Prefix of the client-defined parameters collected into PiXL.Visit.ClientParamsJson. */
export const CLIENT_PARAM_PREFIX = '_cp_';

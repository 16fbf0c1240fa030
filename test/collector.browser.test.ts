/**
 * The collector in a real headless Chromium (Debian's `chromium`, driven by playwright-core) against the local
 * runner: the demo page, a typed email, the PiXL.Test rows, then an ETL pass and the PiXL.Parsed and
 * PiXL.Visit rows, and what the demo page itself shows of them. Run twice: as a desktop browser (webdriver
 * hidden) and as plain headless Chromium.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BrowserContext, chromium, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSettings, type Settings } from '../src/config.js';
import { runEtlPass } from '../src/etl/runEtl.js';
import { type LocalHost, startLocalHost } from '../src/local/host.js';
import { FIELDS } from '../src/warehouse/fields.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';

const CHROMIUM = '/usr/bin/chromium';
const postgres = enginesUnderTest().find((e) => e.name === 'postgres');
// CI installs the Debian package (.ci/run); elsewhere the test is skipped when it is missing.
const haveChromium = existsSync(CHROMIUM) || process.env.CI === 'true';

/** The keys a browser sends: the catalog less what the server computes and the test runners' marker. */
const BROWSER_KEYS = FIELDS.filter((f) => !f.key.startsWith('_srv_') && f.key !== 'synthetic')
  .map((f) => f.key)
  .sort();

/** APIs that can raise a permission prompt (scripts/build-collector.ts lists them), wrapped so a call is recorded. */
const RECORD_PROMPTS = `(() => {
  const calls = (window.__promptCalls = []);
  const wrap = (owner, name, label) => {
    try {
      if (owner && typeof owner[name] === 'function') {
        const original = owner[name];
        owner[name] = function (...args) { calls.push(label); return original.apply(this, args); };
      }
    } catch {}
  };
  wrap(navigator.geolocation, 'getCurrentPosition', 'geolocation');
  wrap(navigator.geolocation, 'watchPosition', 'geolocation');
  wrap(window.Notification, 'requestPermission', 'notifications');
  wrap(navigator.mediaDevices, 'getUserMedia', 'camera');
  wrap(navigator.mediaDevices, 'getDisplayMedia', 'screen');
  wrap(navigator, 'requestMIDIAccess', 'midi');
  wrap(navigator.usb, 'requestDevice', 'usb');
  wrap(navigator.bluetooth, 'requestDevice', 'bluetooth');
  wrap(navigator.hid, 'requestDevice', 'hid');
  wrap(navigator.serial, 'requestPort', 'serial');
  wrap(window.PaymentRequest && PaymentRequest.prototype, 'show', 'payment');
  wrap(navigator.credentials, 'get', 'credentials');
  wrap(navigator.credentials, 'create', 'credentials');
  wrap(navigator, 'share', 'share');
  wrap(window.webkitSpeechRecognition && webkitSpeechRecognition.prototype, 'start', 'speech');
  wrap(navigator.storage, 'persist', 'storage');
})();`;

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface PageRun {
  first: Record<string, string>;
  submitted: Record<string, string>;
  token: string;
  screen: { width: number; height: number };
  timeZone: string;
  promptCalls: string[];
  pageErrors: string[];
  /** What the demo page itself showed for the visit (its `#recorded` block), when asked to wait for it. */
  shown?: DemoShown;
}

interface DemoShown {
  parsed: { SourceId: number; catalogColumnsNotNull: string }[];
  visits: { VisitID: number; ClientParamsJson: Record<string, string> | null }[];
}

const paramsOf = (request: Request): Record<string, string> =>
  Object.fromEntries(
    new URLSearchParams(
      request.method() === 'GET' ? (request.url().split('?')[1] ?? '') : (request.postData() ?? ''),
    ),
  );

describe.skipIf(!haveChromium)('collector in headless Chromium', () => {
  let t: TestDatabase;
  let host: LocalHost;
  let settings: Settings;
  const profiles: string[] = [];

  /** A browser with a new empty profile (playwright passes it as --user-data-dir). */
  async function launch(extraArgs: string[], userAgent?: string): Promise<BrowserContext> {
    const profile = mkdtempSync(join(tmpdir(), 'smartpixl-chromium-'));
    profiles.push(profile);
    return chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...FLAGS, ...extraArgs],
      ...(userAgent ? { userAgent } : {}),
    });
  }

  /**
   * Loads the demo page, waits for the hit, types the email and submits the form. With `waitShown`, then
   * waits (as a new user would) until the page shows the parsed hit and the visit holding the email.
   */
  async function visit(context: BrowserContext, email: string, waitShown = false): Promise<PageRun> {
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const firstHit = page.waitForRequest(/\/12800\/1_SMART\.(GIF|DATA)/);
    await page.goto(`${host.url}/demo`);
    const first = paramsOf(await firstHit);
    const submitHit = page.waitForRequest(/\/12800\/1_SMART\.DATA/);
    await page.fill('#email-input', email);
    await page.click('button[type=submit]');
    const submitted = paramsOf(await submitHit);
    const facts = await page.evaluate<Omit<PageRun, 'first' | 'submitted' | 'pageErrors'>>(`({
      token: new URLSearchParams(location.search).get('visit') || '',
      screen: { width: screen.width, height: screen.height },
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      promptCalls: (window.__promptCalls || []).slice(),
    })`);
    let shown: DemoShown | undefined;
    if (waitShown) {
      // A string, as the page's DOM types are not this project's (its tsconfig has no DOM library).
      const handle = await page.waitForFunction(
        `(() => {
          try {
            const v = JSON.parse(document.getElementById('recorded').textContent || '{}');
            const withEmail = (v.visits || []).some((x) => x.ClientParamsJson && x.ClientParamsJson.email === ${JSON.stringify(email)});
            return withEmail && (v.parsed || []).length > 0 ? v : false;
          } catch {
            return false;
          }
        })()`,
        undefined,
        { timeout: 45_000, polling: 500 },
      );
      shown = (await handle.jsonValue()) as DemoShown;
    }
    await page.close();
    return { first, submitted, pageErrors, ...facts, ...(shown && { shown }) };
  }

  /**
   * The PiXL.Test rows of a page view, found by the token in its URL: the pixel hit first, then the beacon
   * (by type, not Id: the writer may land two queue messages in either order).
   */
  async function testRows(token: string, count: number) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await t.db.query<{
        Id: number;
        HitType: string;
        ParamsJson: Record<string, string>;
        ClientParamsJson: Record<string, string>;
      }>(
        `SELECT "Id", "HitType", "ParamsJson", "ClientParamsJson" FROM "PiXL"."Test"
         WHERE "ParamsJson"->>'url' LIKE $1 ORDER BY "HitType" = 'beacon', "Id"`,
        [`%visit=${token}%`],
      );
      if (rows.length >= count || Date.now() > deadline) return rows;
      await sleep(200);
    }
  }

  /**
   * Runs ETL passes until the hit is parsed: the demo page's own polling may be running a pass, and a pass
   * started meanwhile is skipped (src/etl/runEtl.ts, one pass at a time).
   */
  async function parsedAndVisit(id: number) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await runEtlPass(t.db, settings.etl, () => {});
      const [parsed] = await t.db.query('SELECT * FROM "PiXL"."Parsed" WHERE "SourceId" = $1', [id]);
      const [visit] = await t.db.query<{ ClientParamsJson: Record<string, string>; MatchEmail: string }>(
        'SELECT "ClientParamsJson", "MatchEmail" FROM "PiXL"."Visit" WHERE "VisitID" = $1',
        [id],
      );
      if ((parsed && visit) || Date.now() > deadline) return { parsed: parsed ?? {}, visit };
      await sleep(300);
    }
  }

  beforeAll(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create();
    settings = parseSettings({
      DATABASE_URL: t.connectionString,
      AzureWebJobsStorage: inject('azuriteConnectionString'),
      PIXEL_QUEUE_NAME: `browser-${Date.now().toString(36)}`,
    });
    host = await startLocalHost(settings, {
      port: 0,
      timers: false,
      queues: { visibilityTimeoutMs: 0, maxPollingIntervalMs: 200 },
    });
  });
  afterAll(async () => {
    await host?.stop();
    await t?.drop();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  it('as a desktop browser: every catalog key, the typed email, parsed with a low bot score', async () => {
    // The desktop user agent of this Chromium's version ("Chromium 156.0.… built on Debian").
    const version = /(\d+)\./.exec(
      execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    )?.[1];
    const context = await launch(
      ['--disable-blink-features=AutomationControlled'],
      `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version}.0.0.0 Safari/537.36`,
    );
    try {
      const run = await visit(context, 'Quiz.Master@Example.com', true);
      expect(run.pageErrors).toEqual([]);
      // The demo page showed the visit itself: the parsed hits, and the visit with the typed email.
      expect(run.shown?.visits.find((v) => v.ClientParamsJson)?.ClientParamsJson).toEqual({
        email: 'Quiz.Master@Example.com',
      });
      expect(Number(run.shown?.parsed[0]?.catalogColumnsNotNull.split(' ')[0])).toBeGreaterThanOrEqual(135);

      // The script sends exactly the catalog's browser keys (plus the client param).
      expect(Object.keys(run.first).sort()).toEqual(BROWSER_KEYS);
      expect(run.first.error).toBeUndefined();
      expect(Object.keys(run.submitted).sort()).toEqual([...BROWSER_KEYS, '_cp_email'].sort());
      expect(run.submitted._cp_email).toBe('Quiz.Master@Example.com');

      const rows = await testRows(run.token, 2);
      expect(rows.map((r) => r.HitType)).toEqual(['pixel', 'beacon']);
      const submittedRow = rows[1] as (typeof rows)[number];
      expect(submittedRow.ClientParamsJson).toEqual({ email: 'Quiz.Master@Example.com' });

      const { parsed, visit: visitRow } = await parsedAndVisit(submittedRow.Id);
      const nonNull = FIELDS.filter((f) => parsed[f.column] !== null && parsed[f.column] !== undefined);
      expect(nonNull.length).toBeGreaterThanOrEqual(135);
      expect(parsed.ScreenWidth).toBe(run.screen.width);
      expect(parsed.ScreenHeight).toBe(run.screen.height);
      expect(parsed.Timezone).toBe(run.timeZone);
      expect(parsed.BotScore).toBeLessThan(settings.etl.signals.BotScoreThreshold);
      expect(parsed.WebDriverDetected).toBe(false);
      expect(parsed.IsKnownBot).toBe(false);
      expect(visitRow?.ClientParamsJson).toEqual({ email: 'Quiz.Master@Example.com' });
      expect(visitRow?.MatchEmail).toBe('quiz.master@example.com');
    } finally {
      await context.close();
    }
  });

  it('sends by beacon to _SMART.DATA, not a GIF, when the URL would pass 8,000 characters', async () => {
    const context = await launch(['--disable-blink-features=AutomationControlled']);
    try {
      const page = await context.newPage();
      const hits: Request[] = [];
      page.on('request', (r) => {
        if (/\/12800\/1_SMART\.(GIF|DATA)/.test(r.url())) hits.push(r);
      });
      // The collector sends the page's address as `url`: a long one makes the query string long.
      const pad = 'p'.repeat(6000);
      const first = page.waitForRequest(/\/12800\/1_SMART\.(GIF|DATA)/);
      await page.goto(`${host.url}/demo?pad=${pad}`);
      const hit = await first;
      const token = await page.evaluate<string>(`new URLSearchParams(location.search).get('visit') || ''`);
      await page.close();
      expect(hit.method()).toBe('POST');
      expect(hit.url()).toMatch(/\/12800\/1_SMART\.DATA$/);
      expect(hits.map((r) => r.method())).toEqual(['POST']);
      const body = hit.postData() ?? '';
      expect(`${host.url}/12800/1_SMART.GIF?${body}`.length).toBeGreaterThan(8000);
      expect(Object.keys(paramsOf(hit)).sort()).toEqual(BROWSER_KEYS);

      const [row] = await testRows(token, 1);
      expect(row?.HitType).toBe('beacon');
      expect(row?.ParamsJson.url).toContain(pad);
    } finally {
      await context.close();
    }
  });

  it('measures Intl and WebGL in a worker, and on the page itself where a Content-Security-Policy forbids workers', async () => {
    // collector/src/offThread.ts: the keys its worker measures.
    const offThreadKeys = [
      'tz',
      'tzLocale',
      'dateFormat',
      'numberFormat',
      'relativeTime',
      'webgl',
      'webgl2',
    ].concat(['gpu', 'gpuVendor', 'webglParams', 'webglExt', 'webglFP', 'webglEvasion']);
    const context = await launch(['--disable-blink-features=AutomationControlled']);
    const load = async (csp?: string) => {
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      const workers: string[] = [];
      page.on('worker', (w) => workers.push(w.url()));
      await page.route(`${host.url}/plain-page`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          headers: csp ? { 'content-security-policy': csp } : {},
          body: '<!doctype html><title>Plain</title><script src="/js/12800/1.js"></script><p>A page.',
        }),
      );
      const hit = page.waitForRequest(/\/12800\/1_SMART\.(GIF|DATA)/);
      await page.goto(`${host.url}/plain-page`);
      const params = paramsOf(await hit);
      const page_ = await page.evaluate<{ timeZone: string; date: string }>(
        `({ timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, date: Intl.DateTimeFormat().format(new Date(2024, 0, 15)) })`,
      );
      await page.close();
      return { params, workers, pageErrors, ...page_ };
    };
    try {
      const free = await load();
      const locked = await load("worker-src 'none'");
      expect(free.workers.map((url) => url.split(':')[0])).toEqual(['blob']);
      expect(locked.workers).toEqual([]);
      expect([...free.pageErrors, ...locked.pageErrors]).toEqual([]);
      expect(free.params.tz).toBe(free.timeZone);
      expect(free.params.dateFormat).toBe(free.date);
      expect(free.params.webgl).toBe('1');
      expect(free.params.gpu).toMatch(/SwiftShader/);
      // Measured on the page instead, with the same values.
      for (const key of offThreadKeys)
        expect({ key, value: locked.params[key] }).toEqual({ key, value: free.params[key] });
      expect(Object.keys(locked.params).sort()).toEqual(BROWSER_KEYS);
    } finally {
      await context.close();
    }
  });

  it('throws nothing into the page when it fails inside, and sends error=1 with the message instead', async () => {
    const context = await launch(['--disable-blink-features=AutomationControlled']);
    try {
      const page = await context.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      // A page (or an extension) whose window listeners throw: the collector's behaviour watch fails.
      await page.addInitScript(
        `window.addEventListener = () => { throw new Error('listeners blocked here'); };`,
      );
      await page.route(`${host.url}/hostile-page`, (route) =>
        route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><title>Hostile</title><script src="/js/12800/1.js"></script><p>A page.',
        }),
      );
      const hit = page.waitForRequest(/\/12800\/1_SMART\.(GIF|DATA)/);
      await page.goto(`${host.url}/hostile-page`);
      const params = paramsOf(await hit);
      const afterwards = await page.evaluate<string>('document.title');
      await page.close();
      expect(params).toEqual({ tier: '5', error: '1', msg: 'listeners blocked here' });
      expect(pageErrors).toEqual([]);
      expect(afterwards).toBe('Hostile');
    } finally {
      await context.close();
    }
  });

  it('as plain headless Chromium: the bot signals notice it, and no permission prompt is asked for', async () => {
    const context = await launch([]);
    try {
      await context.addInitScript(RECORD_PROMPTS);
      const run = await visit(context, 'bot@example.com');
      expect(run.pageErrors).toEqual([]);
      expect(run.promptCalls).toEqual([]);
      expect(Object.keys(run.first).sort()).toEqual(BROWSER_KEYS);

      const rows = await testRows(run.token, 2);
      const { parsed, visit: visitRow } = await parsedAndVisit((rows[0] as (typeof rows)[number]).Id);
      expect(parsed.BotScore).toBeGreaterThanOrEqual(settings.etl.signals.BotScoreThreshold);
      expect(String(parsed.BotSignalsList).split(',')).toEqual(
        expect.arrayContaining(['webdriver', 'headless-ua']),
      );
      expect(parsed.WebDriverDetected).toBe(true);
      expect(parsed.IsKnownBot).toBe(true);
      expect(parsed.IsLikelyBot).toBe(true);
      expect(visitRow).toBeDefined();
    } finally {
      await context.close();
    }
  });
});

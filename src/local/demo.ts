/**
 * The local run's demo (`npm start`, then http://localhost:7071/demo): a page embedding the collector for
 * pixel 12800/1 with the `#email-input` field its client params read, and `GET /demo/visit?token=…`, which
 * answers what the warehouse recorded for that page view (PiXL.Test, PiXL.Parsed, PiXL.Visit, PiXL.Match), running an
 * ETL pass when the hits have landed but are not parsed yet. Served by the local runner only, never deployed.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Warehouse } from '../db/types.js';
import type { EtlSettings } from '../etl/runEtl.js';
import { runEtlPass } from '../etl/runEtl.js';
import type { HttpDefinition } from '../runtime/define.js';
import { FIELDS } from '../warehouse/fields.js';

export const DEMO_COMPANY = '12800';
export const DEMO_PIXEL = '1';

const TOKEN = /^[a-z0-9]{8,32}$/;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SmartPiXL demo: The Trivia Quest</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
  input, button { font: inherit; padding: .3rem .6rem; }
  pre { background: #f4f4f4; padding: 1rem; overflow: auto; font-size: 13px; }
  .muted { color: #666; }
</style>
<script>
  // A token in this page's URL marks its hits (the collector sends location.href as \`url\`).
  (function () {
    var q = new URLSearchParams(location.search);
    if (!/^[a-z0-9]{8,32}$/.test(q.get('visit') || '')) {
      q.set('visit', Math.random().toString(36).slice(2, 12) + Date.now().toString(36));
      history.replaceState(null, '', location.pathname + '?' + q.toString());
    }
  })();
</script>
<script src="/js/${DEMO_COMPANY}/${DEMO_PIXEL}.js" async></script>
</head>
<body>
<h1>The Trivia Quest <span class="muted">(SmartPiXL demo, pixel ${DEMO_COMPANY}/${DEMO_PIXEL})</span></h1>
<p>This page embeds <code>&lt;script src="/js/${DEMO_COMPANY}/${DEMO_PIXEL}.js" async&gt;&lt;/script&gt;</code>.
The collector measured this browser and sent one hit half a second after the page loaded. Type an email and
submit: the form's field is the pixel's client param <code>_cp_email</code> (selector <code>#email-input</code>),
so the collector sends it again.</p>
<form id="signup">
  <label>Email <input id="email-input" name="email" type="email" autocomplete="off" required></label>
  <button type="submit">Join the quest</button>
  <span id="submitted" class="muted"></span>
</form>
<h2>What the warehouse recorded for this page view</h2>
<p class="muted" id="status">waiting for the first hit…</p>
<pre id="recorded">{}</pre>
<script>
  (function () {
    var token = new URLSearchParams(location.search).get('visit');
    document.getElementById('signup').addEventListener('submit', function (e) {
      e.preventDefault();
      document.getElementById('submitted').textContent = 'sent';
    });
    function poll() {
      fetch('/demo/visit?token=' + encodeURIComponent(token))
        .then(function (r) { return r.json(); })
        .then(function (v) {
          document.getElementById('status').textContent =
            v.hits.length + ' hit(s) in PiXL.Test, ' + v.parsed.length + ' parsed, ' + v.visits.length + ' visit(s), ' + v.matches.length + ' match(es)';
          document.getElementById('recorded').textContent = JSON.stringify(v, null, 2);
        })
        .catch(function () {})
        .then(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 1500);
  })();
</script>
</body>
</html>
`;

/** The parsed columns the demo shows (besides the count of non-null catalog columns). */
const SHOWN = [
  'ScreenWidth',
  'ScreenHeight',
  'Timezone',
  'Language',
  'GPURenderer',
  'DetectedFonts',
  'CanvasFingerprint',
  'AudioFingerprintSum',
  'BotScore',
  'BotSignalsList',
  'AnomalyScore',
  'IsKnownBot',
  'IsLikelyBot',
];

export async function recordedVisit(db: Warehouse, token: string) {
  // The newest hits of the demo pixel whose page URL carries the token.
  const hits = (await db.inspect.recentHits(DEMO_COMPANY, DEMO_PIXEL, 500)).filter((h) =>
    (h.params.url ?? '').includes(`visit=${token}`),
  );
  const parsed: Record<string, unknown>[] = [];
  const visits: Record<string, unknown>[] = [];
  for (const hit of hits) {
    const p = await db.inspect.parsedRow(hit.id);
    if (p) {
      const nonNull = FIELDS.filter((f) => p[f.column] !== null && p[f.column] !== undefined).length;
      parsed.push({
        SourceId: hit.id,
        catalogColumnsNotNull: `${nonNull} of ${FIELDS.length}`,
        ...Object.fromEntries(SHOWN.map((c) => [c, p[c]])),
      });
    }
    const v = await db.inspect.visitRow(hit.id);
    if (v)
      visits.push({
        VisitID: v.VisitID,
        DeviceId: v.DeviceId,
        IpId: v.IpId,
        ClientParamsJson: v.ClientParamsJson,
        MatchEmail: v.MatchEmail,
      });
  }
  // The identity the typed email resolved to (ETL.usp_MatchVisits), when the consumer file knows it.
  const emails = [
    ...new Set(visits.map((v) => v.MatchEmail).filter((e): e is string => typeof e === 'string')),
  ];
  const matches: Record<string, unknown>[] = [];
  for (const email of emails)
    for (const m of await db.inspect.matches(DEMO_COMPANY, DEMO_PIXEL, email))
      matches.push({
        MatchType: m.MatchType,
        MatchKey: m.MatchKey,
        IndividualKey: m.IndividualKey,
        AddressKey: m.AddressKey,
        HitCount: m.HitCount,
        MatchedAt: m.MatchedAt,
      });
  return {
    hits: hits.map((h) => ({
      Id: h.id,
      HitType: h.hitType,
      IPAddress: h.ipAddress,
      ReceivedAt: h.receivedAt,
      keys: Object.keys(h.params).length,
      clientParams: Object.fromEntries(Object.entries(h.params).filter(([k]) => k.startsWith('_cp_'))),
    })),
    parsed,
    visits,
    matches,
  };
}

export function demoDefinitions(db: () => Warehouse, etl: EtlSettings): HttpDefinition[] {
  let lastEtl = 0;
  const page = async (): Promise<HttpResponseInit> => ({
    status: 200,
    headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
    body: PAGE,
  });
  const visit = async (request: HttpRequest): Promise<HttpResponseInit> => {
    const token = request.query.get('token') ?? '';
    if (!TOKEN.test(token)) return { status: 400, jsonBody: { error: 'token must match [a-z0-9]{8,32}' } };
    let recorded = await recordedVisit(db(), token);
    // Landed but not parsed: run a pass now rather than wait for the timer (at most every 3 s).
    if (recorded.hits.length > recorded.parsed.length && Date.now() - lastEtl > 3000) {
      lastEtl = Date.now();
      await runEtlPass(db(), etl, () => {});
      recorded = await recordedVisit(db(), token);
    }
    return { status: 200, headers: { 'Cache-Control': 'no-store' }, jsonBody: recorded };
  };
  return [
    { kind: 'http', name: 'demo', route: 'demo', methods: ['GET'], handler: page },
    { kind: 'http', name: 'demo-visit', route: 'demo/visit', methods: ['GET'], handler: visit },
  ];
}

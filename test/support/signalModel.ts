/**
 * An independent TypeScript statement of the behaviour signals and IsLikelyBot (docs/ARCHITECTURE.md
 * "Enrichment"), for hits parsed in Id order whose ReceivedAt does not go backwards with Id (late hits see
 * only what was parsed before them, which this model does not try to state). The distinct counts look at the
 * latest DISTINCT_LOOKBACK_HITS hits of their window up to the hit (src/enrich/signals.ts says why).
 */
import { DISTINCT_LOOKBACK_HITS, type SignalSettings } from '../../src/enrich/signals.js';

export interface ModelHit {
  id: number;
  ip: string | null;
  at: number;
  /** canvas|webgl|audio composite, null when the hit has none of the three. */
  fingerprint: string | null;
  knownBot: boolean;
  datacenter: boolean;
  botScore: number | null;
  botScoreThreshold: number | null;
}

export interface ModelSignals {
  Srv_SubnetIps: number | null;
  Srv_SubnetHits: number | null;
  Srv_HitsIn15s: number | null;
  Srv_LastGapMs: number | null;
  Srv_SubSecDupe: boolean | null;
  Srv_SubnetAlert: boolean | null;
  Srv_RapidFire: boolean | null;
  Srv_FpDistinct: number | null;
  Srv_FpObservations: number | null;
  Srv_FpHitsIn5m: number | null;
  Srv_FpSuspicious: boolean | null;
  Srv_FpHighVolume: boolean | null;
  Srv_FpExtremeVolume: boolean | null;
  Srv_FpHighRate: boolean | null;
  IsLikelyBot: boolean | null;
}

const subnetOf = (ip: string | null): string | null =>
  ip && /^[0-9.]*$/.test(ip) && ip.split('.').length === 4 ? ip.slice(0, ip.lastIndexOf('.')) : null;

const upTo = (g: ModelHit, h: ModelHit) => g.at < h.at || (g.at === h.at && g.id <= h.id);

/** The latest DISTINCT_LOOKBACK_HITS of a window's hits, by (at, id). */
const latest = (hits: readonly ModelHit[]) =>
  [...hits].sort((a, b) => b.at - a.at || b.id - a.id).slice(0, DISTINCT_LOOKBACK_HITS);

export function expectedSignals(all: readonly ModelHit[], h: ModelHit, s: SignalSettings): ModelSignals {
  const sec = 1000;
  const none = {
    Srv_HitsIn15s: null,
    Srv_LastGapMs: null,
    Srv_SubSecDupe: null,
    Srv_RapidFire: null,
    Srv_FpDistinct: null,
    Srv_FpObservations: null,
    Srv_FpHitsIn5m: null,
    Srv_FpSuspicious: null,
    Srv_FpHighVolume: null,
    Srv_FpExtremeVolume: null,
    Srv_FpHighRate: null,
  };
  let ipPart: Omit<ModelSignals, 'Srv_SubnetIps' | 'Srv_SubnetHits' | 'Srv_SubnetAlert' | 'IsLikelyBot'> =
    none;
  if (h.ip !== null) {
    const ipWindow = Math.max(s.FpWindowSec, s.RapidWindowSec, s.FpRateWindowSec) * sec;
    const mine = all.filter((g) => g.ip === h.ip && upTo(g, h) && g.at >= h.at - ipWindow);
    const within = (seconds: number) => mine.filter((g) => g.at >= h.at - seconds * sec);
    const fp = within(s.FpWindowSec);
    const distinct = new Set(
      latest(fp)
        .map((g) => g.fingerprint)
        .filter((f) => f !== null),
    ).size;
    const rapid = within(s.RapidWindowSec).length;
    const rate = within(s.FpRateWindowSec).length;
    const before = mine.filter((g) => g !== h).map((g) => g.at);
    const gap = before.length ? h.at - Math.max(...before) : -1;
    ipPart = {
      Srv_HitsIn15s: rapid,
      Srv_LastGapMs: gap,
      Srv_SubSecDupe: gap >= 0 && gap < s.DupeGapMs,
      Srv_RapidFire: rapid >= s.RapidFireHits,
      Srv_FpDistinct: distinct,
      Srv_FpObservations: fp.length,
      Srv_FpHitsIn5m: rate,
      Srv_FpSuspicious: distinct > s.FpSuspiciousDistinct && fp.length > s.FpSuspiciousHits,
      Srv_FpHighVolume: fp.length > s.FpHighVolumeHits,
      Srv_FpExtremeVolume: fp.length > s.FpExtremeHits,
      Srv_FpHighRate: rate > s.FpHighRateHits,
    };
  }
  const subnet = subnetOf(h.ip);
  let subnetPart = { Srv_SubnetIps: null, Srv_SubnetHits: null, Srv_SubnetAlert: null } as Pick<
    ModelSignals,
    'Srv_SubnetIps' | 'Srv_SubnetHits' | 'Srv_SubnetAlert'
  >;
  if (subnet !== null) {
    const hits = all.filter(
      (g) => subnetOf(g.ip) === subnet && upTo(g, h) && g.at >= h.at - s.SubnetWindowSec * sec,
    );
    const ips = new Set(latest(hits).map((g) => g.ip)).size;
    subnetPart = {
      Srv_SubnetIps: ips,
      Srv_SubnetHits: hits.length,
      Srv_SubnetAlert: ips >= s.SubnetAlertIps,
    };
  }
  const threshold = h.botScoreThreshold ?? s.BotScoreThreshold;
  const likely =
    h.knownBot ||
    h.datacenter ||
    (h.botScore !== null && h.botScore >= threshold) ||
    ipPart.Srv_RapidFire === true ||
    ipPart.Srv_FpSuspicious === true ||
    ipPart.Srv_FpExtremeVolume === true ||
    ipPart.Srv_FpHighRate === true;
  return { ...subnetPart, ...ipPart, IsLikelyBot: s.Enrich ? likely : null };
}

/**
 * Behaviour signals and the bot flags the parse computes for every hit, from the database: every
 * instance's hits land in PiXL.Test, so the look-back sees them all (the original kept them in one server's
 * memory). The SQL is generated per engine (src/warehouse/sqlgen/*Signals.ts); this module names the columns,
 * the procedure parameters that carry the thresholds, and their defaults (the original server's values).
 */

/** The migration that adds the signal columns and makes the parse compute them. */
export const SIGNALS_MIGRATION = 40;

export type SignalColumnType = 'int' | 'bit';

/** Columns of PiXL.Parsed added by SIGNALS_MIGRATION (the `_srv_*` catalog columns exist since 0003). */
export const SIGNAL_COLUMNS: readonly { column: string; type: SignalColumnType }[] = [
  { column: 'Srv_FpDistinct', type: 'int' },
  { column: 'Srv_FpObservations', type: 'int' },
  { column: 'Srv_FpHitsIn5m', type: 'int' },
  { column: 'Srv_FpSuspicious', type: 'bit' },
  { column: 'Srv_FpHighVolume', type: 'bit' },
  { column: 'Srv_FpExtremeVolume', type: 'bit' },
  { column: 'Srv_FpHighRate', type: 'bit' },
  { column: 'IsKnownBot', type: 'bit' },
  { column: 'IsLikelyBot', type: 'bit' },
];

/** What the parse procedure takes besides BatchSize (parameter names as both engines declare them). */
export interface SignalSettings {
  /** Off: no look-back, no datacenter lookup; the signal columns and IsLikelyBot stay NULL (bench, emergencies). */
  Enrich: boolean;
  SubnetWindowSec: number;
  SubnetAlertIps: number;
  RapidWindowSec: number;
  RapidFireHits: number;
  DupeGapMs: number;
  FpWindowSec: number;
  FpSuspiciousDistinct: number;
  FpSuspiciousHits: number;
  FpHighVolumeHits: number;
  FpExtremeHits: number;
  FpRateWindowSec: number;
  FpHighRateHits: number;
  /** Used for pixels without a PiXL.Config row (the row's BotScoreThreshold wins). */
  BotScoreThreshold: number;
}

export const SIGNAL_DEFAULTS: SignalSettings = {
  Enrich: true,
  SubnetWindowSec: 300,
  SubnetAlertIps: 3,
  RapidWindowSec: 15,
  RapidFireHits: 3,
  DupeGapMs: 1000,
  FpWindowSec: 86_400,
  FpSuspiciousDistinct: 2,
  FpSuspiciousHits: 3,
  FpHighVolumeHits: 50,
  FpExtremeHits: 200,
  FpRateWindowSec: 300,
  FpHighRateHits: 20,
  BotScoreThreshold: 10,
};

/** The procedure parameters in declaration order (the generator writes them with these defaults). */
export const SIGNAL_PARAMETERS = Object.keys(SIGNAL_DEFAULTS) as (keyof SignalSettings)[];

/**
 * ETL.SignalHit keeps this much beyond the longest window, so a hit that arrives (or is parsed) up to an
 * hour late still sees a full look-back. Older late rows see only what is left.
 */
export const RECENT_HIT_SLACK_SECONDS = 3600;

/**
 * The distinct counts (Srv_FpDistinct: fingerprints of an address; Srv_SubnetIps: addresses of a /24) look at
 * the latest this many hits of the window up to the hit, so a flood costs no more per hit than one visitor.
 * Exact while the address (the /24) has at most this many hits in the window; beyond that a lower bound,
 * never more than this number. Hit counts stay exact whatever the traffic (running counts, docs/ARCHITECTURE.md).
 */
export const DISTINCT_LOOKBACK_HITS = 32;

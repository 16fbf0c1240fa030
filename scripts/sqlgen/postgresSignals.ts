/**
 * PostgreSQL text of the behaviour signals the parse computes (src/enrich/signals.ts): the look-back table
 * ETL.RecentHit, the statement that adds a batch to it, and the per-hit aggregates over it. Behaves as
 * mssqlSignals.ts does (test/enrich.signals.db.test.ts runs both).
 *
 * Why a narrow table: each hit needs counts over the hits before it (its IP over 24 h, its /24 over 5 min).
 * Index range scans over a ~100-byte row are cheap where the same scans over PiXL.Parsed (~3 KB rows) would
 * not be, and PiXL.Parsed keeps no secondary index to slow its inserts. Rows older than the longest window
 * (plus an hour of slack for late hits) are pruned after each batch.
 */
import { quoteIdent } from '../../src/db/postgres/sql.js';
import { RECENT_HIT_SLACK_SECONDS, SIGNAL_DEFAULTS, SIGNAL_PARAMETERS } from '../../src/enrich/signals.js';
import type { Field } from '../../src/warehouse/fields.js';

const q = quoteIdent;

/** The three parts of the composite fingerprint whose stability per IP is tracked (reference §4). */
export const FINGERPRINT_KEYS = ['canvasFP', 'webglFP', 'audioHash'] as const;

/** The IPv4 /24 key ('a.b.c') of an address text; NULL for anything but digits with exactly three dots. */
export function subnetOf(ip: string): string {
  return `CASE WHEN ${ip} !~ '[^0-9.]' AND length(${ip}) - length(replace(${ip}, '.', '')) = 3
      THEN left(${ip}, length(${ip}) - strpos(reverse(${ip}), '.')) END`;
}

/** SHA-256 of 'canvas|webgl|audio' (a missing part is empty); NULL when all three are missing. */
export function fingerprintHash(c: string, w: string, a: string): string {
  return `CASE WHEN COALESCE(${c}, ${w}, ${a}) IS NOT NULL
      THEN sha256(convert_to(concat(${c}, '|', ${w}, '|', ${a}), 'UTF8')) END`;
}

/** Parameter declarations after BatchSize. */
export function signalParameters(): string {
  return SIGNAL_PARAMETERS.map((p) => {
    const d = SIGNAL_DEFAULTS[p];
    return `${q(p)} ${typeof d === 'boolean' ? 'boolean' : 'integer'} DEFAULT ${d}`;
  }).join(', ');
}

/**
 * plpgsql locals copied from the parameters: unquoted lower-case names cannot collide with a column (a
 * parameter named "BotScoreThreshold" would be ambiguous beside PiXL.Config's column).
 */
export function signalLocals(): string {
  return `  enrich boolean := "Enrich";
  subnet_window interval := "SubnetWindowSec" * interval '1 second';
  subnet_alert_ips integer := "SubnetAlertIps";
  rapid_window interval := "RapidWindowSec" * interval '1 second';
  rapid_fire_hits integer := "RapidFireHits";
  dupe_gap interval := "DupeGapMs" * interval '1 millisecond';
  fp_window interval := "FpWindowSec" * interval '1 second';
  fp_suspicious_distinct integer := "FpSuspiciousDistinct";
  fp_suspicious_hits integer := "FpSuspiciousHits";
  fp_high_volume integer := "FpHighVolumeHits";
  fp_extreme integer := "FpExtremeHits";
  rate_window interval := "FpRateWindowSec" * interval '1 second';
  high_rate_hits integer := "FpHighRateHits";
  bot_threshold integer := "BotScoreThreshold";
  -- One scan of an IP's recent hits serves every per-IP window.
  ip_window interval := GREATEST("FpWindowSec", "RapidWindowSec", "FpRateWindowSec") * interval '1 second';
  keep_window interval := (GREATEST("FpWindowSec", "RapidWindowSec", "FpRateWindowSec",
    "SubnetWindowSec") + ${RECENT_HIT_SLACK_SECONDS}) * interval '1 second';
`;
}

/**
 * Adds the batch's hits to ETL.RecentHit before the parse statement, which then sees them (a new statement
 * in a volatile function takes a new snapshot): a hit's look-back includes the batch's earlier hits.
 */
export function addBatchToRecentHits(
  fields: readonly Field[],
  typed: (f: Field, v: string) => string,
): string {
  const fp = FINGERPRINT_KEYS.map((key) => {
    const field = fields.find((f) => f.key === key);
    if (!field) throw new Error(`the catalog has no ${key}`);
    return typed(field, `j.${q(key)}`);
  });
  return `  IF enrich THEN
    INSERT INTO "ETL"."RecentHit" ("SourceId", "IPAddress", "Subnet", "ReceivedAt", "FpHash")
    SELECT t."Id", t."IPAddress", ${subnetOf('t."IPAddress"')}, t."ReceivedAt",
      ${fingerprintHash('f.c', 'f.w', 'f.a')}
    FROM (
      SELECT t."Id", t."IPAddress", t."ReceivedAt", t."ParamsJson"
      FROM "PiXL"."Test" t
      WHERE (t."TxId", t."Id") > (last_version, last_id) AND t."TxId" < horizon
      ORDER BY t."TxId", t."Id"
      LIMIT "BatchSize"
    ) t
    CROSS JOIN LATERAL jsonb_to_record(t."ParamsJson") AS j(${FINGERPRINT_KEYS.map((k) => `${q(k)} text`).join(', ')})
    CROSS JOIN LATERAL (SELECT ${fp[0]} AS c, ${fp[1]} AS w, ${fp[2]} AS a) f
    WHERE t."IPAddress" IS NOT NULL
    ON CONFLICT ("SourceId") DO NOTHING;
  END IF;
`;
}

/**
 * CTE `sig`: the raw counts per hit. "Up to the hit" = every hit of the look-back ordered at or before it by
 * (ReceivedAt, SourceId), the hit itself included.
 */
export function signalCtes(): string {
  return `  sig AS MATERIALIZED (
    SELECT b."Id", b."IPAddress" IS NOT NULL AS has_ip, k.subnet IS NOT NULL AS has_subnet,
      ip.hits_fp, ip.fp_distinct, ip.hits_rapid, ip.hits_rate, ip.prev_at, sn.subnet_ips, sn.subnet_hits
    FROM batch b
    CROSS JOIN LATERAL (SELECT ${subnetOf('b."IPAddress"')} AS subnet) k
    LEFT JOIN LATERAL (
      SELECT
        count(*) FILTER (WHERE s."ReceivedAt" >= b."ReceivedAt" - fp_window) AS hits_fp,
        count(DISTINCT s."FpHash") FILTER (WHERE s."ReceivedAt" >= b."ReceivedAt" - fp_window) AS fp_distinct,
        count(*) FILTER (WHERE s."ReceivedAt" >= b."ReceivedAt" - rapid_window) AS hits_rapid,
        count(*) FILTER (WHERE s."ReceivedAt" >= b."ReceivedAt" - rate_window) AS hits_rate,
        max(s."ReceivedAt") FILTER (WHERE s."SourceId" <> b."Id") AS prev_at
      FROM "ETL"."RecentHit" s
      WHERE s."IPAddress" = b."IPAddress" AND s."ReceivedAt" >= b."ReceivedAt" - ip_window
        AND (s."ReceivedAt", s."SourceId") <= (b."ReceivedAt", b."Id")
    ) ip ON b."IPAddress" IS NOT NULL
    LEFT JOIN LATERAL (
      SELECT count(DISTINCT s."IPAddress") AS subnet_ips, count(*) AS subnet_hits
      FROM "ETL"."RecentHit" s
      WHERE s."Subnet" = k.subnet AND s."ReceivedAt" >= b."ReceivedAt" - subnet_window
        AND (s."ReceivedAt", s."SourceId") <= (b."ReceivedAt", b."Id")
    ) sn ON k.subnet IS NOT NULL
    WHERE enrich
  ),
`;
}

/**
 * Joins of the Parsed insert's SELECT: the signals, the address's PiXL.IP row as classified before this batch
 * (the statement's snapshot; a new address is classified by the next step), the pixel's config and the flags.
 * Looking the ranges up here instead cost 140 µs per new address, most of the signals' cost.
 */
export function signalJoins(): string {
  return `    LEFT JOIN sig sg ON sg."Id" = b."Id"
    LEFT JOIN "PiXL"."IP" ipr ON ipr."IPAddress" = b."IPAddress"
    LEFT JOIN "PiXL"."Config" cfg ON cfg."CompanyID" = b."CompanyID" AND cfg."PiXLID" = b."PiXLID"
    CROSS JOIN LATERAL (SELECT
      CASE WHEN sg.has_ip THEN sg.hits_rapid >= rapid_fire_hits END AS rapid_fire,
      CASE WHEN sg.has_ip THEN sg.fp_distinct > fp_suspicious_distinct AND sg.hits_fp > fp_suspicious_hits END
        AS fp_suspicious,
      CASE WHEN sg.has_ip THEN sg.hits_fp > fp_high_volume END AS fp_high_volume,
      CASE WHEN sg.has_ip THEN sg.hits_fp > fp_extreme END AS fp_extreme,
      CASE WHEN sg.has_ip THEN sg.hits_rate > high_rate_hits END AS fp_high_rate
    ) fl`;
}

/** The value of each computed column (catalog `_srv_*` columns and SIGNAL_COLUMNS), given the BotScore value. */
export function signalValues(botScore: string): Record<string, string> {
  return {
    Srv_SubnetIps: 'CASE WHEN sg.has_subnet THEN sg.subnet_ips::integer END',
    Srv_SubnetHits: 'CASE WHEN sg.has_subnet THEN sg.subnet_hits::integer END',
    Srv_HitsIn15s: 'CASE WHEN sg.has_ip THEN sg.hits_rapid::integer END',
    Srv_LastGapMs: `CASE WHEN sg.has_ip
        THEN COALESCE((extract(epoch FROM b."ReceivedAt" - sg.prev_at) * 1000)::bigint, -1) END`,
    Srv_SubSecDupe: 'CASE WHEN sg.has_ip THEN COALESCE(b."ReceivedAt" - sg.prev_at < dupe_gap, false) END',
    Srv_SubnetAlert: 'CASE WHEN sg.has_subnet THEN sg.subnet_ips >= subnet_alert_ips END',
    Srv_RapidFire: 'fl.rapid_fire',
    Srv_FpDistinct: 'CASE WHEN sg.has_ip THEN sg.fp_distinct::integer END',
    Srv_FpObservations: 'CASE WHEN sg.has_ip THEN sg.hits_fp::integer END',
    Srv_FpHitsIn5m: 'CASE WHEN sg.has_ip THEN sg.hits_rate::integer END',
    Srv_FpSuspicious: 'fl.fp_suspicious',
    Srv_FpHighVolume: 'fl.fp_high_volume',
    Srv_FpExtremeVolume: 'fl.fp_extreme',
    Srv_FpHighRate: 'fl.fp_high_rate',
    IsKnownBot: 'b."IsKnownBot"',
    // The rule of docs/ARCHITECTURE.md "Bots": NULL when enrichment is off.
    IsLikelyBot: `CASE WHEN enrich THEN COALESCE(b."IsKnownBot", false) OR COALESCE(ipr."IsDatacenter", false)
        OR COALESCE(${botScore} >= COALESCE(cfg."BotScoreThreshold", bot_threshold), false)
        OR COALESCE(fl.rapid_fire, false) OR COALESCE(fl.fp_suspicious, false)
        OR COALESCE(fl.fp_extreme, false) OR COALESCE(fl.fp_high_rate, false) END`,
  };
}

/** Drops look-back rows no window can reach any more. */
export function pruneRecentHits(): string {
  return `  IF enrich THEN
    DELETE FROM "ETL"."RecentHit" r
    WHERE r."ReceivedAt" < (SELECT max(x."ReceivedAt") FROM "ETL"."RecentHit" x) - keep_window;
  END IF;
`;
}

/**
 * T-SQL text of the behaviour signals the parse computes, statement for statement as postgresSignals.ts
 * (read that file's header for the design). Row-value comparisons are spelled out, counts over an empty set
 * never reach the output (a hit with an address always finds itself), and addresses compare in BIN2 as
 * PostgreSQL compares bytes.
 */
import { quoteIdent } from '../../src/db/mssql/sql.js';
import { RECENT_HIT_SLACK_SECONDS, SIGNAL_DEFAULTS, SIGNAL_PARAMETERS } from '../../src/enrich/signals.js';
import type { Field } from '../../src/warehouse/fields.js';
import { FINGERPRINT_KEYS } from './postgresSignals.js';

const BIN2 = 'Latin1_General_100_BIN2';
const b = quoteIdent;

/** The IPv4 /24 key ('a.b.c'); NULL for anything but digits with exactly three dots (as subnetOf on PostgreSQL). */
export function subnetOfTsql(ip: string): string {
  return `CASE WHEN ${ip} COLLATE ${BIN2} + '0' NOT LIKE '%[^0-9.]%' AND LEN(${ip}) - LEN(REPLACE(${ip}, '.', '')) = 3
      THEN LEFT(${ip}, LEN(${ip}) - CHARINDEX('.', REVERSE(${ip}))) COLLATE ${BIN2} END`;
}

/** SHA-256 of the UTF-8 bytes of 'canvas|webgl|audio' (a missing part is empty); NULL when all are missing. */
export function fingerprintHashTsql(c: string, w: string, a: string): string {
  return `CASE WHEN COALESCE(${c}, ${w}, ${a}) IS NOT NULL
      THEN CAST(HASHBYTES('SHA2_256', CONVERT(VARCHAR(MAX),
        CONCAT(${c}, N'|', ${w}, N'|', ${a}) COLLATE Latin1_General_100_CI_AS_SC_UTF8)) AS BINARY(32)) END`;
}

export function signalParametersTsql(): string {
  return SIGNAL_PARAMETERS.map((p) => {
    const d = SIGNAL_DEFAULTS[p];
    return `@${p} ${typeof d === 'boolean' ? 'BIT' : 'INT'} = ${typeof d === 'boolean' ? Number(d) : d}`;
  }).join(', ');
}

/**
 * After #batch: adds its hits to ETL.RecentHit, then computes #sig (raw counts per hit; the temp table always
 * exists, empty when @Enrich = 0).
 */
export function signalStatementsTsql(
  fields: readonly Field[],
  typed: (f: Field, v: string) => string,
): string {
  const fp = FINGERPRINT_KEYS.map((key) => {
    const field = fields.find((f) => f.key === key);
    if (!field) throw new Error(`the catalog has no ${key}`);
    return typed(field, `j.${b(key)}`);
  });
  const upTo = `s.ReceivedAt <= bt.ReceivedAt AND (s.ReceivedAt < bt.ReceivedAt OR s.SourceId <= bt.Id)`;
  return `  DECLARE @ipWindowSec INT = GREATEST(@FpWindowSec, @RapidWindowSec, @FpRateWindowSec);
  IF @Enrich = 1
    INSERT INTO ETL.RecentHit (SourceId, IPAddress, Subnet, ReceivedAt, FpHash)
    SELECT bt.Id, bt.IPAddress, ${subnetOfTsql('bt.IPAddress')}, bt.ReceivedAt,
      ${fingerprintHashTsql('f.C', 'f.W', 'f.A')}
    FROM #batch bt
    CROSS APPLY OPENJSON(bt.ParamsJson) WITH (
      ${FINGERPRINT_KEYS.map((k) => `${b(k)} NVARCHAR(MAX) '$."${k}"'`).join(', ')}
    ) j
    CROSS APPLY (SELECT ${fp[0]} AS C, ${fp[1]} AS W, ${fp[2]} AS A) f
    WHERE bt.IPAddress IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ETL.RecentHit r WHERE r.SourceId = bt.Id);

  -- "Up to the hit": every hit of the look-back at or before it by (ReceivedAt, SourceId), itself included.
  SELECT bt.Id, CASE WHEN bt.IPAddress IS NULL THEN 0 ELSE 1 END AS HasIp,
    CASE WHEN k.Subnet IS NULL THEN 0 ELSE 1 END AS HasSubnet,
    ip.HitsFp, ip.FpDistinct, ip.HitsRapid, ip.HitsRate, ip.PrevAt, sn.SubnetIps, sn.SubnetHits
  INTO #sig
  FROM #batch bt
  CROSS APPLY (SELECT ${subnetOfTsql('bt.IPAddress')} AS Subnet) k
  OUTER APPLY (
    SELECT
      SUM(CASE WHEN s.ReceivedAt >= DATEADD(SECOND, -@FpWindowSec, bt.ReceivedAt) THEN 1 ELSE 0 END) AS HitsFp,
      COUNT(DISTINCT CASE WHEN s.ReceivedAt >= DATEADD(SECOND, -@FpWindowSec, bt.ReceivedAt) THEN s.FpHash END)
        AS FpDistinct,
      SUM(CASE WHEN s.ReceivedAt >= DATEADD(SECOND, -@RapidWindowSec, bt.ReceivedAt) THEN 1 ELSE 0 END) AS HitsRapid,
      SUM(CASE WHEN s.ReceivedAt >= DATEADD(SECOND, -@FpRateWindowSec, bt.ReceivedAt) THEN 1 ELSE 0 END) AS HitsRate,
      MAX(CASE WHEN s.SourceId <> bt.Id THEN s.ReceivedAt END) AS PrevAt
    FROM ETL.RecentHit s
    WHERE bt.IPAddress IS NOT NULL AND s.IPAddress = bt.IPAddress COLLATE ${BIN2}
      AND s.ReceivedAt >= DATEADD(SECOND, -@ipWindowSec, bt.ReceivedAt) AND ${upTo}
  ) ip
  OUTER APPLY (
    SELECT COUNT(DISTINCT s.IPAddress) AS SubnetIps, COUNT(*) AS SubnetHits
    FROM ETL.RecentHit s
    WHERE k.Subnet IS NOT NULL AND s.Subnet = k.Subnet
      AND s.ReceivedAt >= DATEADD(SECOND, -@SubnetWindowSec, bt.ReceivedAt) AND ${upTo}
  ) sn
  WHERE @Enrich = 1;

`;
}

/** Joins of the #parsed SELECT: the signals, the address's PiXL.IP row as classified before this batch, the pixel's config and the flags. */
export function signalJoinsTsql(): string {
  const when = (cond: string) => `CASE WHEN sg.HasIp = 1 THEN CASE WHEN ${cond} THEN 1 ELSE 0 END END`;
  return `
  LEFT JOIN #sig sg ON sg.Id = bt.Id
  LEFT JOIN PiXL.IP ipr ON ipr.IPAddress = bt.IPAddress COLLATE ${BIN2}
  LEFT JOIN PiXL.Config cfg ON cfg.CompanyID = bt.CompanyID AND cfg.PiXLID = bt.PiXLID
  CROSS APPLY (SELECT
    ${when('sg.HitsRapid >= @RapidFireHits')} AS RapidFire,
    ${when('sg.FpDistinct > @FpSuspiciousDistinct AND sg.HitsFp > @FpSuspiciousHits')} AS FpSuspicious,
    ${when('sg.HitsFp > @FpHighVolumeHits')} AS FpHighVolume,
    ${when('sg.HitsFp > @FpExtremeHits')} AS FpExtreme,
    ${when('sg.HitsRate > @FpHighRateHits')} AS FpHighRate
  ) fl`;
}

/** The value of each computed column, given the typed BotScore expression. */
export function signalValuesTsql(botScore: string): Record<string, string> {
  const bit = (v: string) => `CAST(${v} AS BIT)`;
  return {
    Srv_SubnetIps: 'CASE WHEN sg.HasSubnet = 1 THEN sg.SubnetIps END',
    Srv_SubnetHits: 'CASE WHEN sg.HasSubnet = 1 THEN sg.SubnetHits END',
    Srv_HitsIn15s: 'CASE WHEN sg.HasIp = 1 THEN sg.HitsRapid END',
    Srv_LastGapMs:
      'CASE WHEN sg.HasIp = 1 THEN COALESCE(DATEDIFF_BIG(MILLISECOND, sg.PrevAt, bt.ReceivedAt), -1) END',
    Srv_SubSecDupe: bit(`CASE WHEN sg.HasIp = 1 THEN CASE WHEN sg.PrevAt IS NOT NULL
        AND DATEDIFF_BIG(MILLISECOND, sg.PrevAt, bt.ReceivedAt) < @DupeGapMs THEN 1 ELSE 0 END END`),
    Srv_SubnetAlert: bit(
      'CASE WHEN sg.HasSubnet = 1 THEN CASE WHEN sg.SubnetIps >= @SubnetAlertIps THEN 1 ELSE 0 END END',
    ),
    Srv_RapidFire: bit('fl.RapidFire'),
    Srv_FpDistinct: 'CASE WHEN sg.HasIp = 1 THEN sg.FpDistinct END',
    Srv_FpObservations: 'CASE WHEN sg.HasIp = 1 THEN sg.HitsFp END',
    Srv_FpHitsIn5m: 'CASE WHEN sg.HasIp = 1 THEN sg.HitsRate END',
    Srv_FpSuspicious: bit('fl.FpSuspicious'),
    Srv_FpHighVolume: bit('fl.FpHighVolume'),
    Srv_FpExtremeVolume: bit('fl.FpExtreme'),
    Srv_FpHighRate: bit('fl.FpHighRate'),
    IsKnownBot: 'bt.IsKnownBot',
    // The rule of docs/ARCHITECTURE.md "Bots": NULL when enrichment is off.
    IsLikelyBot: bit(`CASE WHEN @Enrich = 0 THEN NULL
        WHEN bt.IsKnownBot = 1 OR ipr.IsDatacenter = 1
          OR ${botScore} >= COALESCE(cfg.BotScoreThreshold, @BotScoreThreshold)
          OR fl.RapidFire = 1 OR fl.FpSuspicious = 1 OR fl.FpExtreme = 1 OR fl.FpHighRate = 1 THEN 1 ELSE 0 END`),
  };
}

/** Drops look-back rows no window can reach any more. */
export function pruneRecentHitsTsql(): string {
  return `  IF @Enrich = 1
  BEGIN
    DECLARE @newest DATETIME2(3) = (SELECT MAX(ReceivedAt) FROM ETL.RecentHit);
    DELETE FROM ETL.RecentHit
    WHERE ReceivedAt < DATEADD(SECOND, -(GREATEST(@ipWindowSec, @SubnetWindowSec) + ${RECENT_HIT_SLACK_SECONDS}), @newest);
  END;
`;
}

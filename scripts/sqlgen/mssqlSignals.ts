/**
 * T-SQL text of the behaviour signals (numbered by ETL.usp_NumberSignals, read by the parse), statement for
 * statement as postgresSignals.ts
 * (read that file's header for the design). Row-value comparisons are spelled out, and addresses compare in
 * BIN2 as PostgreSQL compares bytes. Every read of ETL.SignalHit is a TOP under ORDER BY on an index's key,
 * pinned with FORCESEEK on that index, so stale statistics cannot turn it into a scan.
 */
import { quoteIdent } from '../../src/db/mssql/sql.js';
import {
  DISTINCT_LOOKBACK_HITS,
  RECENT_HIT_SLACK_SECONDS,
  SIGNAL_DEFAULTS,
  SIGNAL_PARAMETERS,
} from '../../src/enrich/signals.js';
import { PARSE_BUCKETS } from '../../src/etl/lanes.js';
import { FINGERPRINT_KEYS, type Field } from '../../src/warehouse/fields.js';
import { DISTINCT_RUN_MIN_HITS, POSITION_SCALE, SHARED_START_MIN_HITS } from './postgresSignals.js';

const BIN2 = 'Latin1_General_100_BIN2';
const b = quoteIdent;

/** The IPv4 /24 key ('a.b.c'); NULL for anything but digits with exactly three dots (as subnetOf on PostgreSQL). */
export function subnetOfTsql(ip: string): string {
  return `CASE WHEN ${ip} COLLATE ${BIN2} + '0' NOT LIKE '%[^0-9.]%' AND LEN(${ip}) - LEN(REPLACE(${ip}, '.', '')) = 3
      THEN LEFT(${ip}, LEN(${ip}) - CHARINDEX('.', REVERSE(${ip}))) COLLATE ${BIN2} END`;
}

/**
 * The numbering bucket of an address (as bucketOf on PostgreSQL, with the engine's own hash): every hit of one
 * network, and so every running count of ETL.SignalHit, is one caller's.
 */
export function bucketOfTsql(ip: string): string {
  return `(CHECKSUM(COALESCE(${subnetOfTsql(ip)}, ${ip} COLLATE ${BIN2}, '')) & ${PARSE_BUCKETS - 1})`;
}

/** The parse bucket of a raw row's Id (as parseBucketOf on PostgreSQL). */
export function parseBucketOfTsql(id: string): string {
  return `CAST(${id} & ${PARSE_BUCKETS - 1} AS INT)`;
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

const IP_INDEX = 'WITH (FORCESEEK, INDEX (IX_SignalHit_IP))';
const SUBNET_INDEX = 'WITH (FORCESEEK, INDEX (IX_SignalHit_Subnet))';

/** s is at or before (at, id) by (ReceivedAt, SourceId); `strict` leaves (at, id) itself out. */
function upTo(at: string, id: string, strict = false): string {
  return `s.ReceivedAt <= ${at} AND (s.ReceivedAt < ${at} OR s.SourceId ${strict ? '<' : '<='} ${id})`;
}

/** Hits of a key in a window up to the hit: its running count minus the window's first row's, plus one. */
function firstSeqSince(seq: string, hint: string, keyColumn: string, key: string, windowSec: string): string {
  return `(SELECT TOP (1) s.${seq} FROM ETL.SignalHit s ${hint}
        WHERE s.${keyColumn} = ${key} AND s.ReceivedAt >= DATEADD(SECOND, -${windowSec}, bt.ReceivedAt)
        ORDER BY s.ReceivedAt, s.SourceId)`;
}

/** Distinct values among the key's latest DISTINCT_LOOKBACK_HITS hits of the window up to the hit. */
function distinctLatest(
  column: string,
  hint: string,
  keyColumn: string,
  key: string,
  windowSec: string,
): string {
  return `(SELECT COUNT(DISTINCT x.V) FROM (
          SELECT TOP (${DISTINCT_LOOKBACK_HITS}) s.${column} AS V FROM ETL.SignalHit s ${hint}
          WHERE s.${keyColumn} = ${key} AND s.ReceivedAt >= DATEADD(SECOND, -${windowSec}, bt.ReceivedAt)
            AND ${upTo('bt.ReceivedAt', 'bt.Id')}
          ORDER BY s.ReceivedAt DESC, s.SourceId DESC) x)`;
}

/**
 * Into `target`: for each batch hit (of #mine) of a key with DISTINCT_RUN_MIN_HITS hits or more in the batch,
 * the distinct values of `valueColumn` among the key's latest DISTINCT_LOOKBACK_HITS hits up to it, from one
 * ordered read of the key's rows per batch (as distinctOverRuns on PostgreSQL, which says how), and each hit's
 * previous row's time (PreviousAt). Both reads are TOPs pinned to the key's index, so no plan reads more.
 */
function distinctOverRunsTsql(
  target: string,
  keyColumn: string,
  seqColumn: string,
  valueColumn: string,
  hint: string,
): string {
  const n = DISTINCT_LOOKBACK_HITS;
  const seq = (a: string) => `PARTITION BY ${a}.K ORDER BY ${a}.ReceivedAt, ${a}.SourceId`;
  const same = 'PARTITION BY o.K, o.V ORDER BY o.ReceivedAt, o.SourceId';
  const read = (top: string, where: string, order: string) => `SELECT x.* FROM (
            SELECT TOP (${top}) s.${keyColumn} AS K, s.SourceId, s.ReceivedAt, s.${valueColumn} AS V
            FROM ETL.SignalHit s ${hint}
            WHERE s.${keyColumn} = kk.K AND ${where} ORDER BY ${order}) x`;
  return `  SELECT w.SourceId, w.OldestAt, w.PreviousAt,
    SUM(w.Enters) OVER (${seq('w')} ROWS UNBOUNDED PRECEDING)
      - COALESCE(SUM(w.Leaves) OVER (${seq('w')} ROWS BETWEEN UNBOUNDED PRECEDING AND ${n} PRECEDING), 0)
      AS DistinctLatest
  INTO ${target}
  FROM (
    SELECT o.K, o.SourceId, o.ReceivedAt, o.OldestAt, o.PreviousAt,
      CASE WHEN o.V IS NOT NULL AND (LAG(o.Pos) OVER (${same}) IS NULL OR LAG(o.Pos) OVER (${same}) <= o.Pos - ${n})
        THEN 1 ELSE 0 END AS Enters,
      CASE WHEN o.V IS NOT NULL AND (LEAD(o.Pos) OVER (${same}) IS NULL OR LEAD(o.Pos) OVER (${same}) >= o.Pos + ${n})
        THEN 1 ELSE 0 END AS Leaves
    FROM (
      SELECT r.K, r.SourceId, r.ReceivedAt, r.V,
        ROW_NUMBER() OVER (${seq('r')}) AS Pos,
        COALESCE(LAG(r.ReceivedAt, ${n - 1}) OVER (${seq('r')}),
          FIRST_VALUE(r.ReceivedAt) OVER (${seq('r')} ROWS UNBOUNDED PRECEDING)) AS OldestAt,
        LAG(r.ReceivedAt) OVER (${seq('r')}) AS PreviousAt
      FROM (
        SELECT me.${keyColumn} AS K, MIN(me.ReceivedAt) AS FirstAt, MAX(me.ReceivedAt) AS LastAt,
          MAX(me.${seqColumn}) - MIN(me.${seqColumn}) + 1 AS Span
        FROM #mine me
        WHERE me.${keyColumn} IS NOT NULL
        GROUP BY me.${keyColumn}
        HAVING COUNT_BIG(*) >= ${DISTINCT_RUN_MIN_HITS}
      ) kk
      CROSS APPLY (
        ${read(String(n), 's.ReceivedAt < kk.FirstAt', 's.ReceivedAt DESC, s.SourceId DESC')}
        UNION ALL
        ${read(`kk.Span + ${n}`, 's.ReceivedAt >= kk.FirstAt AND s.ReceivedAt <= kk.LastAt', 's.ReceivedAt, s.SourceId')}
      ) r
    ) o
  ) w;

`;
}

/**
 * Into \`target\` (K, FirstSeq): the window's first row shared by every batch hit of a key, for the keys with
 * SHARED_START_MIN_HITS hits or more in the batch (not their first stored hit) within one window of each other
 * (as sharedWindowStart on PostgreSQL, which says why it is exact): two seeks per key, kept when both find the
 * same row.
 */
function sharedWindowStartTsql(
  target: string,
  keyColumn: string,
  seqColumn: string,
  windowSec: string,
  hint: string,
): string {
  const first = (bound: string, columns: string) => `(SELECT TOP (1) ${columns} FROM ETL.SignalHit s ${hint}
    WHERE s.${keyColumn} = kk.K AND s.ReceivedAt >= DATEADD(SECOND, -${windowSec}, ${bound})
    ORDER BY s.ReceivedAt, s.SourceId)`;
  return `  SELECT kk.K, lo.Seq AS FirstSeq
  INTO ${target}
  FROM (
    SELECT me.${keyColumn} AS K, MIN(me.ReceivedAt) AS FirstAt, MAX(me.ReceivedAt) AS LastAt
    FROM #mine me
    WHERE me.${keyColumn} IS NOT NULL AND me.${seqColumn} > 1
    GROUP BY me.${keyColumn}
    HAVING COUNT_BIG(*) >= ${SHARED_START_MIN_HITS} AND DATEADD(SECOND, -${windowSec}, MAX(me.ReceivedAt)) < MIN(me.ReceivedAt)
  ) kk
  CROSS APPLY ${first('kk.FirstAt', `s.SourceId, s.${seqColumn} AS Seq`)} lo
  CROSS APPLY ${first('kk.LastAt', 's.SourceId')} hi
  WHERE lo.SourceId = hi.SourceId;

`;
}

/**
 * Applied as \`lb\`: for a returning address's hit outside its address's run, one read of the address's latest
 * DISTINCT_LOOKBACK_HITS rows up to the hit within the fingerprint window, with the distinct count, the previous
 * hit and each window's first row read (as lookBack on PostgreSQL, which says why).
 */
function lookBackTsql(ip: string): string {
  // Whether a row lies in a window is decided below the aggregate: an aggregated expression may not mix the
  // hit's own columns (outer references) with the read's (Msg 8124; tools/TsqlCheck/OuterAggregateCheck.cs).
  const windows = [
    ['@FpWindowSec', 'InFp', 'FpFirst'],
    ['@RapidWindowSec', 'InRapid', 'RapidFirst'],
    ['@FpRateWindowSec', 'InRate', 'RateFirst'],
  ] as const;
  return `  OUTER APPLY (
    SELECT COUNT(DISTINCT x.V) AS DistinctLatest, COUNT_BIG(*) AS N, MIN(x.ReceivedAt) AS OldestAt,
      MAX(CASE WHEN x.Rn = 2 THEN x.ReceivedAt END) AS PreviousAt,
      ${windows.map(([, flag, name]) => `MAX(CASE WHEN x.${flag} = 1 THEN x.Rn * ${POSITION_SCALE} + x.Seq END) % ${POSITION_SCALE} AS ${name}`).join(',\n      ')}
    FROM (
      SELECT y.V, y.ReceivedAt, y.Seq, ROW_NUMBER() OVER (ORDER BY y.ReceivedAt DESC, y.SourceId DESC) AS Rn,
        ${windows.map(([sec, flag]) => `CASE WHEN y.ReceivedAt >= DATEADD(SECOND, -${sec}, bt.ReceivedAt) THEN 1 ELSE 0 END AS ${flag}`).join(',\n        ')}
      FROM (
        SELECT TOP (${DISTINCT_LOOKBACK_HITS}) s.FpHash AS V, s.ReceivedAt, s.SourceId, s.IpSeq AS Seq
        FROM ETL.SignalHit s ${IP_INDEX}
        WHERE me.IpSeq > 1 AND fr.SourceId IS NULL
          AND s.IPAddress = ${ip} AND s.ReceivedAt >= DATEADD(SECOND, -@FpWindowSec, bt.ReceivedAt)
          AND ${upTo('bt.ReceivedAt', 'bt.Id')}
        ORDER BY s.ReceivedAt DESC, s.SourceId DESC
      ) y
    ) x
  ) lb
`;
}

/** The distinct count of a run (distinctOverRunsTsql) when its 32 hits lie in the window, else read per hit. */
function distinctOfRunTsql(run: string, perHit: string, windowSec: string): string {
  return `CASE WHEN ${run}.OldestAt >= DATEADD(SECOND, -${windowSec}, bt.ReceivedAt) THEN ${run}.DistinctLatest
      ELSE ${perHit} END`;
}

/**
 * After #batch (Id, IPAddress, ReceivedAt, ParamsJson, ClientParamsJson, FpHash), in ETL.usp_NumberSignals: adds
 * its hits to ETL.SignalHit with their running counts (the last stored row's before each, looked up once per key
 * unless its rows landed out of order, plus the rank in the batch: as numberBatch on PostgreSQL).
 */
export function numberBatchTsql(fields: readonly Field[], typed: (f: Field, v: string) => string): string {
  const fp = FINGERPRINT_KEYS.map((key) => {
    const field = fields.find((f) => f.key === key);
    if (!field) throw new Error(`the catalog has no ${key}`);
    return typed(field, `j.${b(key)}`);
  });
  return `  SELECT bt.Id, bt.IPAddress COLLATE ${BIN2} AS IPAddress, ${subnetOfTsql('bt.IPAddress')} AS Subnet, bt.ReceivedAt,
    -- The writer's hash (src/writer/fingerprintHash.ts), so this statement reads no JSON; a row landed before
    -- it (no ClientParamsJson either, migration 0080) has it computed here from ParamsJson.
    CASE WHEN bt.ClientParamsJson IS NOT NULL THEN bt.FpHash ELSE (
      SELECT ${fingerprintHashTsql('f.C', 'f.W', 'f.A')}
      FROM OPENJSON(bt.ParamsJson) WITH (
        ${FINGERPRINT_KEYS.map((k) => `${b(k)} NVARCHAR(MAX) '$."${k}"'`).join(', ')}
      ) j
      CROSS APPLY (SELECT ${fp[0]} AS C, ${fp[1]} AS W, ${fp[2]} AS A) f) END AS FpHash
  INTO #sigNew
  FROM #batch bt
  -- A batch numbered again (after a crash) adds nothing: its rows would otherwise count twice.
  WHERE bt.IPAddress IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM ETL.SignalHit r WITH (FORCESEEK) WHERE r.SourceId = bt.Id);

  -- Each key's last stored row, looked up once per batch (as numberBatch on PostgreSQL): it stands before every one
  -- of the key's batch rows unless rows landed out of order (a stored row at or after the key's first batch row,
  -- the tie included); only then does each row seek its own.
  SELECT k.Subnet, l.SubnetSeq AS LastSeq, CAST(CASE WHEN l.SourceId IS NOT NULL THEN 1 ELSE 0 END AS BIT) AS HasRow,
    CAST(CASE WHEN l.ReceivedAt >= k.FirstAt THEN 1 ELSE 0 END AS BIT) AS OutOfOrder
  INTO #subnetLast
  FROM (SELECT n.Subnet, MIN(n.ReceivedAt) AS FirstAt FROM #sigNew n WHERE n.Subnet IS NOT NULL GROUP BY n.Subnet) k
  OUTER APPLY (
    SELECT TOP (1) s.ReceivedAt, s.SourceId, s.SubnetSeq FROM ETL.SignalHit s ${SUBNET_INDEX}
    WHERE s.Subnet = k.Subnet ORDER BY s.ReceivedAt DESC, s.SourceId DESC
  ) l;

  -- Every stored row of an IPv4 address carries its /24: the address is looked up only when its /24 has a stored
  -- row, or for an address without a /24.
  SELECT k.IPAddress, l.IpSeq AS LastSeq, CAST(CASE WHEN l.ReceivedAt >= k.FirstAt THEN 1 ELSE 0 END AS BIT) AS OutOfOrder
  INTO #addressLast
  FROM (SELECT n.IPAddress, MIN(n.Subnet) AS Subnet, MIN(n.ReceivedAt) AS FirstAt FROM #sigNew n GROUP BY n.IPAddress) k
  LEFT JOIN #subnetLast ks ON ks.Subnet = k.Subnet
  OUTER APPLY (
    SELECT TOP (1) s.ReceivedAt, s.IpSeq FROM ETL.SignalHit s ${IP_INDEX}
    WHERE (ks.HasRow = 1 OR k.Subnet IS NULL) AND s.IPAddress = k.IPAddress
    ORDER BY s.ReceivedAt DESC, s.SourceId DESC
  ) l;

  INSERT INTO ETL.SignalHit (SourceId, IPAddress, Subnet, ReceivedAt, FpHash, IpSeq, SubnetSeq)
  SELECT n.Id, n.IPAddress, n.Subnet, n.ReceivedAt, n.FpHash,
    COALESCE(CASE WHEN ka.OutOfOrder = 1 THEN pi.IpSeq ELSE ka.LastSeq END, 0)
      + ROW_NUMBER() OVER (PARTITION BY n.IPAddress ORDER BY n.ReceivedAt, n.Id),
    CASE WHEN n.Subnet IS NOT NULL THEN COALESCE(CASE WHEN ks.OutOfOrder = 1 THEN ps.SubnetSeq ELSE ks.LastSeq END, 0)
      + ROW_NUMBER() OVER (PARTITION BY n.Subnet ORDER BY n.ReceivedAt, n.Id) END
  FROM #sigNew n
  JOIN #addressLast ka ON ka.IPAddress = n.IPAddress
  LEFT JOIN #subnetLast ks ON ks.Subnet = n.Subnet
  -- A key with rows out of order: each row's own last stored row before it.
  OUTER APPLY (
    SELECT TOP (1) s.SubnetSeq FROM ETL.SignalHit s ${SUBNET_INDEX}
    WHERE ks.OutOfOrder = 1 AND s.Subnet = n.Subnet AND ${upTo('n.ReceivedAt', 'n.Id', true)}
    ORDER BY s.ReceivedAt DESC, s.SourceId DESC
  ) ps
  OUTER APPLY (
    SELECT TOP (1) s.IpSeq FROM ETL.SignalHit s ${IP_INDEX}
    WHERE ka.OutOfOrder = 1 AND s.IPAddress = n.IPAddress AND ${upTo('n.ReceivedAt', 'n.Id', true)}
    ORDER BY s.ReceivedAt DESC, s.SourceId DESC
  ) pi;
`;
}

/**
 * After #batch, in ETL.usp_ParseNewHits: #sig, the raw values per hit from the rows ETL.usp_NumberSignals added
 * (the temp table always exists, empty when @Enrich = 0).
 */
export function signalStatementsTsql(): string {
  const ip = `bt.IPAddress COLLATE ${BIN2}`;
  // An address's (a /24's) first stored hit (running count 1) has only itself up to it (as on PostgreSQL).
  // A key whose batch hits share the window's start (sharedWindowStartTsql, joined as \`shared\`) needs no seek.
  const sinceFirst = (
    seq: string,
    hint: string,
    keyColumn: string,
    key: string,
    windowSec: string,
    shared: string,
    read = 'NULL',
  ) =>
    `CASE WHEN me.${seq} = 1 THEN 1
      ELSE GREATEST(me.${seq} - COALESCE(${shared}.FirstSeq, ${read}, ${firstSeqSince(seq, hint, keyColumn, key, windowSec)}) + 1, 1) END`;
  // The look-back read (lb, lookBackTsql) holds a window's first row when it reaches past the window's start, or
  // holds every row of the fingerprint window (as on PostgreSQL).
  const fromRead = (windowSec: string, column: string) =>
    `CASE WHEN lb.N > 0 AND ${windowSec} <= @FpWindowSec
        AND (lb.N < ${DISTINCT_LOOKBACK_HITS} OR lb.OldestAt < DATEADD(SECOND, -${windowSec}, bt.ReceivedAt)) THEN lb.${column} END`;
  return `  DECLARE @ipWindowSec INT = GREATEST(@FpWindowSec, @RapidWindowSec, @FpRateWindowSec);
  -- Each batch hit's own ETL.SignalHit row (ETL.usp_NumberSignals added it), looked up once.
  SELECT me.SourceId AS Id, me.IPAddress, me.Subnet, me.ReceivedAt, me.FpHash, me.IpSeq, me.SubnetSeq
  INTO #mine
  FROM #batch bt
  JOIN ETL.SignalHit me WITH (FORCESEEK) ON me.SourceId = bt.Id
  WHERE @Enrich = 1;

${distinctOverRunsTsql('#fpRun', 'IPAddress', 'IpSeq', 'FpHash', IP_INDEX)}${distinctOverRunsTsql('#subnetRun', 'Subnet', 'SubnetSeq', 'IPAddress', SUBNET_INDEX)}${sharedWindowStartTsql('#fpStart', 'IPAddress', 'IpSeq', '@FpWindowSec', IP_INDEX)}${sharedWindowStartTsql('#rapidStart', 'IPAddress', 'IpSeq', '@RapidWindowSec', IP_INDEX)}${sharedWindowStartTsql('#rateStart', 'IPAddress', 'IpSeq', '@FpRateWindowSec', IP_INDEX)}${sharedWindowStartTsql('#subnetStart', 'Subnet', 'SubnetSeq', '@SubnetWindowSec', SUBNET_INDEX)}  -- "Up to the hit": every hit at or before it by (ReceivedAt, SourceId), itself included.
  SELECT bt.Id, 1 AS HasIp, CASE WHEN me.Subnet IS NULL THEN 0 ELSE 1 END AS HasSubnet,
    ${sinceFirst('IpSeq', IP_INDEX, 'IPAddress', ip, '@FpWindowSec', 'fs', fromRead('@FpWindowSec', 'FpFirst'))} AS HitsFp,
    CASE WHEN me.IpSeq = 1 THEN CASE WHEN me.FpHash IS NULL THEN 0 ELSE 1 END
      ELSE ${distinctOfRunTsql('fr', `COALESCE(CASE WHEN lb.N > 0 THEN lb.DistinctLatest END, ${distinctLatest('FpHash', IP_INDEX, 'IPAddress', ip, '@FpWindowSec')})`, '@FpWindowSec')} END AS FpDistinct,
    ${sinceFirst('IpSeq', IP_INDEX, 'IPAddress', ip, '@RapidWindowSec', 'rs', fromRead('@RapidWindowSec', 'RapidFirst'))} AS HitsRapid,
    ${sinceFirst('IpSeq', IP_INDEX, 'IPAddress', ip, '@FpRateWindowSec', 'ts', fromRead('@FpRateWindowSec', 'RateFirst'))} AS HitsRate,
    -- The previous hit from the address's run when the hit is in one (distinctOverRunsTsql), else from the
    -- look-back read, else one seek (as on PostgreSQL).
    CASE WHEN me.IpSeq > 1 THEN CASE WHEN fr.SourceId IS NOT NULL
      THEN CASE WHEN fr.PreviousAt >= DATEADD(SECOND, -@ipWindowSec, bt.ReceivedAt) THEN fr.PreviousAt END
      WHEN lb.N >= 2 THEN lb.PreviousAt
      WHEN lb.N = 1 AND @ipWindowSec <= @FpWindowSec THEN NULL
      ELSE (SELECT TOP (1) s.ReceivedAt FROM ETL.SignalHit s ${IP_INDEX}
      WHERE s.IPAddress = ${ip} AND ${upTo('bt.ReceivedAt', 'bt.Id', true)}
        AND s.ReceivedAt >= DATEADD(SECOND, -@ipWindowSec, bt.ReceivedAt)
      ORDER BY s.ReceivedAt DESC, s.SourceId DESC) END END AS PrevAt,
    CASE WHEN me.SubnetSeq = 1 THEN 1
      WHEN me.Subnet IS NOT NULL
      THEN ${distinctOfRunTsql('sr', distinctLatest('IPAddress', SUBNET_INDEX, 'Subnet', 'me.Subnet', '@SubnetWindowSec'), '@SubnetWindowSec')}
    END AS SubnetIps,
    CASE WHEN me.Subnet IS NOT NULL
      THEN ${sinceFirst('SubnetSeq', SUBNET_INDEX, 'Subnet', 'me.Subnet', '@SubnetWindowSec', 'ss')}
    END AS SubnetHits
  INTO #sig
  FROM #batch bt
  JOIN #mine me ON me.Id = bt.Id
  LEFT JOIN #fpRun fr ON fr.SourceId = bt.Id
  LEFT JOIN #subnetRun sr ON sr.SourceId = bt.Id
  LEFT JOIN #fpStart fs ON fs.K = me.IPAddress
  LEFT JOIN #rapidStart rs ON rs.K = me.IPAddress
  LEFT JOIN #rateStart ts ON ts.K = me.IPAddress
  LEFT JOIN #subnetStart ss ON ss.K = me.Subnet
${lookBackTsql(ip)}  WHERE @Enrich = 1;

`;
}

/** Joins of the #parsed SELECT: the signals, the address's PiXL.IP row as classified before this batch, the pixel's config and the flags. */
export function signalJoinsTsql(): string {
  const when = (cond: string) => `CASE WHEN sg.HasIp = 1 THEN CASE WHEN ${cond} THEN 1 ELSE 0 END END`;
  return `
  LEFT JOIN #sig sg ON sg.Id = bt.Id
  -- Key lookups per hit, pinned to a seek: a join may otherwise scan every PiXL.IP row each batch (as on
  -- PostgreSQL, signalJoins). Only the likely-bot rule reads them: nothing is looked up with @Enrich = 0.
  OUTER APPLY (
    SELECT TOP (1) i.IsDatacenter FROM PiXL.IP i WITH (FORCESEEK)
    WHERE @Enrich = 1 AND i.IPAddress = bt.IPAddress COLLATE ${BIN2}
  ) ipr
  OUTER APPLY (
    SELECT TOP (1) c.BotScoreThreshold FROM PiXL.Config c WITH (FORCESEEK)
    WHERE @Enrich = 1 AND c.CompanyID = bt.CompanyID AND c.PiXLID = bt.PiXLID
  ) cfg
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

/**
 * Drops look-back rows no window can reach any more, in ETL.usp_NumberSignals (as pruneSignalState on
 * PostgreSQL: older by the longest window with slack than both the newest row and the first raw row the parse
 * has not taken yet; a seek for each, a range of the ReceivedAt index), of this lane only (\`inLane\` of an
 * address): a lane running beside it deletes its own. By whole minutes as there (a row goes when its minute is
 * before the cutoff's minute), so both engines keep the same rows.
 */
export function pruneSignalStateTsql(inLane: (ip: string) => string): string {
  return `  DECLARE @keepFrom DATETIME2(3) = DATETRUNC(MINUTE, DATEADD(SECOND,
    -(GREATEST(@FpWindowSec, @RapidWindowSec, @FpRateWindowSec, @SubnetWindowSec) + ${RECENT_HIT_SLACK_SECONDS}),
    LEAST(
      (SELECT TOP (1) s.ReceivedAt FROM ETL.SignalHit s ORDER BY s.ReceivedAt DESC),
      (SELECT TOP (1) t.ReceivedAt FROM PiXL.Test t
        WHERE t.RowVer > (SELECT w.LastVersion FROM ETL.Watermark w WHERE w.ProcessName = 'ParseNewHits')
        ORDER BY t.RowVer))));
  DELETE s FROM ETL.SignalHit s WITH (FORCESEEK, INDEX (IX_SignalHit_ReceivedAt))
  WHERE s.ReceivedAt < @keepFrom AND ${inLane('s.IPAddress')};
`;
}

/**
 * PostgreSQL text of the behaviour signals the parse computes (src/enrich/signals.ts): the statement of
 * ETL.usp_NumberSignals that adds a batch to the look-back table ETL.SignalHit and its pruning, and the per-hit
 * values the parse reads from it. Behaves as mssqlSignals.ts does (test/enrich.signals.db.test.ts runs both).
 *
 * Bounded work per hit, whatever the traffic of its address or /24: each SignalHit row carries the running
 * count of its address's hits (IpSeq) and its /24's (SubnetSeq) in (ReceivedAt, SourceId) order, so the hits
 * in a window up to a hit are its own count minus that of the window's first row plus one: two index seeks,
 * never a read of the window. The distinct counts read each key's rows once per batch (distinctOverRuns). Every
 * read is an ORDER BY … LIMIT on the leading column of an index, which no statistics can turn into a scan.
 */
import { quoteIdent } from '../../src/db/postgres/sql.js';
import {
  DISTINCT_LOOKBACK_HITS,
  RECENT_HIT_SLACK_SECONDS,
  SIGNAL_DEFAULTS,
  SIGNAL_PARAMETERS,
} from '../../src/enrich/signals.js';
import { PARSE_BUCKETS } from '../../src/etl/lanes.js';
import { FINGERPRINT_KEYS, type Field } from '../../src/warehouse/fields.js';

const q = quoteIdent;

/** The IPv4 /24 key ('a.b.c') of an address text; NULL for anything but digits with exactly three dots. */
export function subnetOf(ip: string): string {
  return `CASE WHEN ${ip} !~ '[^0-9.]' AND length(${ip}) - length(replace(${ip}, '.', '')) = 3
      THEN left(${ip}, length(${ip}) - strpos(reverse(${ip}), '.')) END`;
}

/**
 * The numbering bucket (0 … PARSE_BUCKETS - 1, src/etl/lanes.ts) of an address: a hash of its /24 for IPv4, else
 * of the whole address, so every hit of one network, and so every running count of ETL.SignalHit, is one
 * caller's.
 */
export function bucketOf(ip: string): string {
  if ((PARSE_BUCKETS & (PARSE_BUCKETS - 1)) !== 0) throw new Error('PARSE_BUCKETS must be a power of two');
  return `(hashtext(COALESCE(${subnetOf(ip)}, ${ip}, '')) & ${PARSE_BUCKETS - 1})`;
}

/** The parse bucket of a raw row's Id: consecutive rows go to every lane in turn, whatever their network. */
export function parseBucketOf(id: string): string {
  return `(${id} & ${PARSE_BUCKETS - 1})::integer`;
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
  -- The previous hit of an address counts within the longest per-address window.
  ip_window interval := GREATEST("FpWindowSec", "RapidWindowSec", "FpRateWindowSec") * interval '1 second';
  keep_window interval := (GREATEST("FpWindowSec", "RapidWindowSec", "FpRateWindowSec",
    "SubnetWindowSec") + ${RECENT_HIT_SLACK_SECONDS}) * interval '1 second';
`;
}

/**
 * The fingerprint hash of a raw row \`t\` (with ParamsJson, ClientParamsJson and FpHash): the writer's
 * (src/writer/fingerprintHash.ts), so numbering reads no JSON; a row landed before it (no ClientParamsJson
 * either, migration 0080) has it computed here from ParamsJson.
 */
export function storedFpHash(fields: readonly Field[], typed: (f: Field, v: string) => string): string {
  const fp = FINGERPRINT_KEYS.map((key) => {
    const field = fields.find((f) => f.key === key);
    if (!field) throw new Error(`the catalog has no ${key}`);
    return typed(field, `j.${q(key)}`);
  });
  return `CASE WHEN t."ClientParamsJson" IS NOT NULL THEN t."FpHash" ELSE (
        SELECT ${fingerprintHash('f.c', 'f.w', 'f.a')}
        FROM jsonb_to_record(t."ParamsJson") AS j(${FINGERPRINT_KEYS.map((k) => `${q(k)} text`).join(', ')})
        CROSS JOIN LATERAL (SELECT ${fp[0]} AS c, ${fp[1]} AS w, ${fp[2]} AS a) f) END`;
}

/**
 * CTEs \`new_rows\`, \`subnet_last\`, \`address_last\` and \`numbered\`: add the rows of CTE \`batch\` (Id,
 * IPAddress, ReceivedAt, fp_hash) to ETL.SignalHit, in ETL.usp_NumberSignals. A row's running counts are those of
 * the last row before it already stored (the statement does not see its own rows) plus its rank among the batch's
 * rows of the same address (/24). That last row is looked up once per key of the batch: the key's last stored
 * row overall, which stands before every one of the key's batch rows unless rows landed out of order (a stored
 * row at or after the key's first batch row); only such a key has each of its rows seek its own. So a flood's
 * batch seeks twice per key, not per hit. A hit numbered after a later hit of its address is numbered right, but
 * the later rows keep their numbers: each such late hit can make a later window's count one too low, until it
 * leaves the window (docs/ARCHITECTURE.md "Enrichment").
 */
export const numberBatch = `  new_rows AS MATERIALIZED (
    SELECT t."Id", t."IPAddress", ${subnetOf('t."IPAddress"')} AS subnet, t."ReceivedAt", t.fp_hash
    FROM batch t
    -- A batch numbered again (after a crash) adds nothing: its rows would otherwise count twice. A lateral
    -- lookup with LIMIT (never flattened into an anti-join over the whole look-back).
    LEFT JOIN LATERAL (SELECT 1 AS found FROM "ETL"."SignalHit" x WHERE x."SourceId" = t."Id" LIMIT 1) ex ON true
    WHERE t."IPAddress" IS NOT NULL AND ex.found IS NULL
  ),
  -- Each /24's last stored row, and whether it stands at or after the /24's first batch row (then each row
  -- seeks its own; the tie counts as out of order, which is only slower).
  subnet_last AS MATERIALIZED (
    SELECT k.subnet, l."SubnetSeq" AS last_seq, l."SourceId" IS NOT NULL AS has_row,
      COALESCE(l."ReceivedAt" >= k.first_at, false) AS out_of_order
    FROM (SELECT n.subnet, min(n."ReceivedAt") AS first_at FROM new_rows n WHERE n.subnet IS NOT NULL
      GROUP BY n.subnet) k
    LEFT JOIN LATERAL (
      SELECT s."ReceivedAt", s."SourceId", s."SubnetSeq" FROM "ETL"."SignalHit" s
      WHERE s."Subnet" = k.subnet ORDER BY s."ReceivedAt" DESC, s."SourceId" DESC LIMIT 1
    ) l ON true
  ),
  -- The same per address. Every stored row of an IPv4 address carries its /24: a /24 without a stored row has
  -- none of the address either, so the address is looked up only when its /24 has one (most hits of spread
  -- traffic are their /24's first), or for an address without a /24.
  address_last AS MATERIALIZED (
    SELECT k."IPAddress", l."IpSeq" AS last_seq, COALESCE(l."ReceivedAt" >= k.first_at, false) AS out_of_order
    FROM (SELECT n."IPAddress", min(n.subnet) AS subnet, min(n."ReceivedAt") AS first_at FROM new_rows n
      GROUP BY n."IPAddress") k
    LEFT JOIN subnet_last ks ON ks.subnet = k.subnet
    LEFT JOIN LATERAL (
      SELECT s."ReceivedAt", s."IpSeq" FROM "ETL"."SignalHit" s
      WHERE (ks.has_row OR k.subnet IS NULL) AND s."IPAddress" = k."IPAddress"
      ORDER BY s."ReceivedAt" DESC, s."SourceId" DESC LIMIT 1
    ) l ON true
  ),
  numbered AS (
    -- Collected into one array before the first row goes in (an aggregate reads all its input first): a seek
    -- running while the statement inserts would step over every index entry this batch has added so far.
    INSERT INTO "ETL"."SignalHit"
    SELECT (r.h).* FROM (SELECT unnest(array_agg(v.h)) AS h FROM (SELECT ROW(n."Id", n."IPAddress", n.subnet,
      n."ReceivedAt", n.fp_hash,
      COALESCE(CASE WHEN ka.out_of_order THEN pi."IpSeq" ELSE ka.last_seq END, 0)
        + row_number() OVER (PARTITION BY n."IPAddress" ORDER BY n."ReceivedAt", n."Id"),
      CASE WHEN n.subnet IS NOT NULL THEN COALESCE(CASE WHEN ks.out_of_order THEN ps."SubnetSeq" ELSE ks.last_seq END, 0)
        + row_number() OVER (PARTITION BY n.subnet ORDER BY n."ReceivedAt", n."Id") END)::"ETL"."SignalHit" AS h
    FROM new_rows n
    JOIN address_last ka ON ka."IPAddress" = n."IPAddress"
    LEFT JOIN subnet_last ks ON ks.subnet = n.subnet
    -- A key with rows out of order: each row's own last stored row before it.
    LEFT JOIN LATERAL (
      SELECT s."SubnetSeq" FROM "ETL"."SignalHit" s
      WHERE ks.out_of_order AND s."Subnet" = n.subnet AND (s."ReceivedAt", s."SourceId") < (n."ReceivedAt", n."Id")
      ORDER BY s."ReceivedAt" DESC, s."SourceId" DESC LIMIT 1
    ) ps ON true
    LEFT JOIN LATERAL (
      SELECT s."IpSeq" FROM "ETL"."SignalHit" s
      WHERE ka.out_of_order AND s."IPAddress" = n."IPAddress" AND (s."ReceivedAt", s."SourceId") < (n."ReceivedAt", n."Id")
      ORDER BY s."ReceivedAt" DESC, s."SourceId" DESC LIMIT 1
    ) pi ON true) v) r
    RETURNING 1
  )`;

/** Hits of a key in a window up to the hit: its running count minus the window's first row's, plus one. */
function firstSeqSince(seq: string, keyColumn: string, key: string, window: string): string {
  return `(SELECT s.${q(seq)} FROM "ETL"."SignalHit" s
        WHERE s.${q(keyColumn)} = ${key} AND s."ReceivedAt" >= b."ReceivedAt" - ${window}
        ORDER BY s."ReceivedAt", s."SourceId" LIMIT 1)`;
}

/** Distinct values among the key's latest DISTINCT_LOOKBACK_HITS hits of the window up to the hit. */
function distinctLatest(column: string, keyColumn: string, key: string, window: string): string {
  return `(SELECT count(DISTINCT x.v) FROM (
          SELECT s.${q(column)} AS v FROM "ETL"."SignalHit" s
          WHERE s.${q(keyColumn)} = ${key} AND s."ReceivedAt" >= b."ReceivedAt" - ${window}
            AND (s."ReceivedAt", s."SourceId") <= (b."ReceivedAt", b."Id")
          ORDER BY s."ReceivedAt" DESC, s."SourceId" DESC LIMIT ${DISTINCT_LOOKBACK_HITS}) x)`;
}

/**
 * Batch hits a key needs before its distinct counts come from one read of its rows (distinctOverRuns) instead
 * of one look-back per hit: a run reads and sorts the key's 32 earlier rows whatever its hits, so a key with a
 * few hits in the batch (a returning visitor) costs less read per hit. Each way reads at most 32 rows a hit.
 */
export const DISTINCT_RUN_MIN_HITS = 16;

/**
 * Batch hits a key needs before its window starts are probed once for all of them (sharedWindowStart): two seeks
 * per key and window, worth making only where they can spare many per-hit seeks.
 */
export const SHARED_START_MIN_HITS = 16;

/**
 * CTE `<name>`: for each batch hit of a key (its address, or its /24) with DISTINCT_RUN_MIN_HITS hits or more
 * in the batch, the distinct values of `valueColumn` among the key's latest DISTINCT_LOOKBACK_HITS hits up to
 * it, with the time of the oldest of them (`oldest_at`, for the caller's window test). One ordered read of each
 * such key's rows per batch (the 32 before its first batch hit, then up to its last), not one per hit, so a
 * flood reads each row once. Over that sequence a value enters the latest 32 when its previous occurrence is 32
 * or more rows back, and leaves 32 rows later unless it occurs again by then: the count is a running sum of
 * entries minus the leaves of rows 32 or more back. Both reads have a LIMIT, so no plan can read more: the second
 * the span of the key's running count (\`seqColumn\`) over its batch hits, plus 32 for rows landed late between
 * them (the rows between a lane's hits include other lanes' hits); a hit without a row here (a key with fewer
 * hits, or beyond the read) is counted per hit by the caller. The read is contiguous, so each hit's previous
 * row is there too (\`previous_at\`; NULL when the key has none): the caller needs no seek for it.
 */
function distinctOverRuns(name: string, keyColumn: string, seqColumn: string, valueColumn: string): string {
  const n = DISTINCT_LOOKBACK_HITS;
  const byTime = (a: string) => `ORDER BY ${a}."ReceivedAt", ${a}."SourceId"`;
  const read = (where: string, order: string, limit: string) => `(SELECT kk.k, s."SourceId", s."ReceivedAt",
            s.${q(valueColumn)} AS v FROM "ETL"."SignalHit" s
          WHERE s.${q(keyColumn)} = kk.k AND ${where} ORDER BY ${order} LIMIT ${limit})`;
  return `  ${name} AS MATERIALIZED (
    SELECT w."SourceId", w.oldest_at, w.previous_at,
      sum(w.enters) OVER (PARTITION BY w.k ${byTime('w')} ROWS UNBOUNDED PRECEDING)
        - COALESCE(sum(w.leaves) OVER (PARTITION BY w.k ${byTime('w')}
          ROWS BETWEEN UNBOUNDED PRECEDING AND ${n} PRECEDING), 0) AS distinct_latest
    FROM (
      SELECT o.k, o."SourceId", o."ReceivedAt", o.oldest_at, o.previous_at,
        CASE WHEN o.v IS NOT NULL AND (lag(o.pos) OVER same IS NULL OR lag(o.pos) OVER same <= o.pos - ${n})
          THEN 1 ELSE 0 END AS enters,
        CASE WHEN o.v IS NOT NULL AND (lead(o.pos) OVER same IS NULL OR lead(o.pos) OVER same >= o.pos + ${n})
          THEN 1 ELSE 0 END AS leaves
      FROM (
        SELECT r.k, r."SourceId", r."ReceivedAt", r.v,
          row_number() OVER seq AS pos,
          COALESCE(lag(r."ReceivedAt", ${n - 1}) OVER seq, first_value(r."ReceivedAt") OVER seq) AS oldest_at,
          lag(r."ReceivedAt") OVER seq AS previous_at
        FROM (
          SELECT m.${q(keyColumn)} AS k, min(m."ReceivedAt") AS first_at, max(m."ReceivedAt") AS last_at,
            max(m.${q(seqColumn)}) - min(m.${q(seqColumn)}) + 1 AS span
          FROM mine m WHERE m.${q(keyColumn)} IS NOT NULL GROUP BY m.${q(keyColumn)}
          HAVING count(*) >= ${DISTINCT_RUN_MIN_HITS}
        ) kk
        CROSS JOIN LATERAL (
          ${read('s."ReceivedAt" < kk.first_at', 's."ReceivedAt" DESC, s."SourceId" DESC', String(n))}
          UNION ALL
          ${read('s."ReceivedAt" >= kk.first_at AND s."ReceivedAt" <= kk.last_at', 's."ReceivedAt", s."SourceId"', `kk.span + ${n}`)}
        ) r
        WINDOW seq AS (PARTITION BY r.k ${byTime('r')})
      ) o
      WINDOW same AS (PARTITION BY o.k, o.v ${byTime('o')})
    ) w
  ),
`;
}

/** The distinct count of a run (CTE of distinctOverRuns) when its 32 hits lie in the window, else read per hit. */
function distinctOfRun(run: string, perHit: string, window: string): string {
  return `CASE WHEN ${run}.oldest_at >= b."ReceivedAt" - ${window} THEN ${run}.distinct_latest ELSE ${perHit} END`;
}

/**
 * CTE \`<name>\`: the window's first row (its running count \`first_seq\`) shared by every batch hit of a key, for
 * the keys with SHARED_START_MIN_HITS hits or more in the batch (not their first stored hit) whose hits all lie
 * within one window of each other. Two seeks per key and batch: the first row of the window of the key's first
 * batch hit and that of its last. When both are the same row, no row of the key lies between the two windows'
 * starts, so every hit's window starts there too and its seek is spared (a flood younger than the window); else
 * the key is left out and each hit seeks its own.
 */
function sharedWindowStart(name: string, keyColumn: string, seqColumn: string, window: string): string {
  const first = (bound: string, columns: string) => `(SELECT ${columns} FROM "ETL"."SignalHit" s
      WHERE s.${q(keyColumn)} = kk.k AND s."ReceivedAt" >= ${bound} - ${window}
      ORDER BY s."ReceivedAt", s."SourceId" LIMIT 1)`;
  return `  ${name} AS MATERIALIZED (
    SELECT kk.k, lo.seq AS first_seq
    FROM (
      SELECT m.${q(keyColumn)} AS k, min(m."ReceivedAt") AS first_at, max(m."ReceivedAt") AS last_at
      FROM mine m WHERE m.${q(keyColumn)} IS NOT NULL AND m.${q(seqColumn)} > 1 GROUP BY m.${q(keyColumn)}
      HAVING count(*) >= ${SHARED_START_MIN_HITS} AND max(m."ReceivedAt") - ${window} < min(m."ReceivedAt")
    ) kk
    CROSS JOIN LATERAL ${first('kk.first_at', `s."SourceId", s.${q(seqColumn)} AS seq`)} lo
    CROSS JOIN LATERAL ${first('kk.last_at', 's."SourceId"')} hi
    WHERE lo."SourceId" = hi."SourceId"
  ),
`;
}

/** A number above any running count: a window's first row is picked by position and carried with its count. */
export const POSITION_SCALE = '1099511627776';

/**
 * Joined as \`lb\`: for a returning address's hit outside its address's run (a key with few hits in the batch,
 * as a NAT address or a returning visitor has), one read of the address's latest DISTINCT_LOOKBACK_HITS rows up to
 * the hit within the fingerprint window, the read the distinct count makes anyway. From it: the distinct count,
 * the previous hit (the row after the hit's own), and the first row of each window (the oldest row read within
 * it), which is the window's first row whenever the read reaches past the window's start (the caller checks).
 * Rows are numbered from the hit backwards, so the window's first row is the one with the highest number.
 */
function lookBack(): string {
  const firstIn = (window: string, name: string) =>
    `max(CASE WHEN x."ReceivedAt" >= b."ReceivedAt" - ${window} THEN x.rn * ${POSITION_SCALE} + x.seq END) % ${POSITION_SCALE} AS ${name}`;
  return `    LEFT JOIN LATERAL (
      SELECT count(DISTINCT x.v) AS distinct_latest, count(*) AS n, min(x."ReceivedAt") AS oldest_at,
        max(CASE WHEN x.rn = 2 THEN x."ReceivedAt" END) AS previous_at,
        ${firstIn('fp_window', 'fp_first')}, ${firstIn('rapid_window', 'rapid_first')},
        ${firstIn('rate_window', 'rate_first')}
      FROM (
        SELECT y.v, y."ReceivedAt", y.seq, row_number() OVER (ORDER BY y."ReceivedAt" DESC, y."SourceId" DESC) AS rn
        FROM (
          SELECT s."FpHash" AS v, s."ReceivedAt", s."SourceId", s."IpSeq" AS seq FROM "ETL"."SignalHit" s
          WHERE b."IpSeq" > 1 AND fr."SourceId" IS NULL
            AND s."IPAddress" = b."IPAddress" AND s."ReceivedAt" >= b."ReceivedAt" - fp_window
            AND (s."ReceivedAt", s."SourceId") <= (b."ReceivedAt", b."Id")
          ORDER BY s."ReceivedAt" DESC, s."SourceId" DESC LIMIT ${DISTINCT_LOOKBACK_HITS}
        ) y
      ) x
    ) lb ON true
`;
}

/**
 * CTEs `mine` (each batch hit's own ETL.SignalHit row), the distinct counts' runs, and `sig`: the raw values per
 * hit from ETL.SignalHit, which holds the batch's own rows (ETL.usp_NumberSignals added them). "Up to the hit" =
 * every hit ordered at or before it by (ReceivedAt, SourceId), the hit itself included.
 */
export function signalCtes(): string {
  const ipKey = 'b."IPAddress"';
  // An address's (a /24's) first stored hit (running count 1) has only itself up to it: every count is 1 and
  // nothing is read.
  // A key whose batch hits share the window's start (sharedWindowStart, joined as \`shared\`) needs no seek.
  const sinceFirst = (
    seq: string,
    keyColumn: string,
    key: string,
    window: string,
    shared: string,
    read = 'NULL',
  ) =>
    `CASE WHEN b.${q(seq)} = 1 THEN 1
        ELSE GREATEST(b.${q(seq)} - COALESCE(${shared}.first_seq, ${read}, ${firstSeqSince(seq, keyColumn, key, window)}) + 1, 1) END`;
  // The look-back read (lb, below) holds a window's first row when it reaches past the window's start, or
  // holds every row of the fingerprint window.
  const fromRead = (window: string, column: string) =>
    `CASE WHEN lb.n > 0 AND ${window} <= fp_window
          AND (lb.n < ${DISTINCT_LOOKBACK_HITS} OR lb.oldest_at < b."ReceivedAt" - ${window}) THEN lb.${column} END`;
  return `  mine AS MATERIALIZED (
    SELECT b."Id", b."IPAddress", b."ReceivedAt", me."Subnet", me."FpHash", me."IpSeq", me."SubnetSeq"
    FROM batch b
    -- The hit's own row (ETL.usp_NumberSignals added it); lateral, so it is a key lookup per hit and never a
    -- join over the whole look-back.
    CROSS JOIN LATERAL (
      SELECT m."Subnet", m."FpHash", m."IpSeq", m."SubnetSeq" FROM "ETL"."SignalHit" m
      WHERE m."SourceId" = b."Id" LIMIT 1
    ) me
    WHERE enrich
  ),
${distinctOverRuns('fp_run', 'IPAddress', 'IpSeq', 'FpHash')}${distinctOverRuns('subnet_run', 'Subnet', 'SubnetSeq', 'IPAddress')}${sharedWindowStart('fp_start', 'IPAddress', 'IpSeq', 'fp_window')}${sharedWindowStart('rapid_start', 'IPAddress', 'IpSeq', 'rapid_window')}${sharedWindowStart('rate_start', 'IPAddress', 'IpSeq', 'rate_window')}${sharedWindowStart('subnet_start', 'Subnet', 'SubnetSeq', 'subnet_window')}  sig AS MATERIALIZED (
    SELECT b."Id", true AS has_ip, b."Subnet" IS NOT NULL AS has_subnet,
      ${sinceFirst('IpSeq', 'IPAddress', ipKey, 'fp_window', 'fs', fromRead('fp_window', 'fp_first'))} AS hits_fp,
      CASE WHEN b."IpSeq" = 1 THEN (b."FpHash" IS NOT NULL)::integer
        ELSE ${distinctOfRun('fr', `COALESCE(CASE WHEN lb.n > 0 THEN lb.distinct_latest END, ${distinctLatest('FpHash', 'IPAddress', ipKey, 'fp_window')})`, 'fp_window')} END AS fp_distinct,
      ${sinceFirst('IpSeq', 'IPAddress', ipKey, 'rapid_window', 'rs', fromRead('rapid_window', 'rapid_first'))} AS hits_rapid,
      ${sinceFirst('IpSeq', 'IPAddress', ipKey, 'rate_window', 'ts', fromRead('rate_window', 'rate_first'))} AS hits_rate,
      -- The previous hit from the address's run when the hit is in one (distinctOverRuns), else from the
      -- look-back read (the row after the hit's own; none when the read found only the hit and the longest window
      -- is the fingerprint window it covers), else one seek.
      CASE WHEN b."IpSeq" > 1 THEN CASE WHEN fr."SourceId" IS NOT NULL
        THEN CASE WHEN fr.previous_at >= b."ReceivedAt" - ip_window THEN fr.previous_at END
        WHEN lb.n >= 2 THEN lb.previous_at
        WHEN lb.n = 1 AND ip_window <= fp_window THEN NULL
        ELSE (SELECT s."ReceivedAt" FROM "ETL"."SignalHit" s
        WHERE s."IPAddress" = b."IPAddress" AND (s."ReceivedAt", s."SourceId") < (b."ReceivedAt", b."Id")
          AND s."ReceivedAt" >= b."ReceivedAt" - ip_window
        ORDER BY s."ReceivedAt" DESC, s."SourceId" DESC LIMIT 1) END END AS prev_at,
      CASE WHEN b."SubnetSeq" = 1 THEN 1
        WHEN b."Subnet" IS NOT NULL
        THEN ${distinctOfRun('sr', distinctLatest('IPAddress', 'Subnet', 'b."Subnet"', 'subnet_window'), 'subnet_window')} END AS subnet_ips,
      ${sinceFirst('SubnetSeq', 'Subnet', 'b."Subnet"', 'subnet_window', 'ss')} AS subnet_hits
    FROM mine b
    LEFT JOIN fp_run fr ON fr."SourceId" = b."Id"
    LEFT JOIN subnet_run sr ON sr."SourceId" = b."Id"
    LEFT JOIN fp_start fs ON fs.k = b."IPAddress"
    LEFT JOIN rapid_start rs ON rs.k = b."IPAddress"
    LEFT JOIN rate_start ts ON ts.k = b."IPAddress"
    LEFT JOIN subnet_start ss ON ss.k = b."Subnet"
${lookBack()}  ),
`;
}

/**
 * Joins of the Parsed insert's SELECT: the signals, the address's PiXL.IP row as classified before this batch
 * (the statement's snapshot; a new address is classified by the next step), the pixel's config and the flags.
 * Looking the ranges up here instead cost 140 µs per new address, most of the signals' cost.
 */
export function signalJoins(): string {
  return `    LEFT JOIN sig sg ON sg."Id" = b."Id"
    -- Key lookups per hit, lateral with LIMIT so no plan can join the whole table instead: a hash of every
    -- PiXL.IP row costs each batch as much as the table holds, and with statistics from when the table was
    -- small the planner chose a nested loop over all of it (a pass of 100,000 spread hits then took 80 s, not 10).
    -- Only the likely-bot rule reads them: nothing is looked up with the signals off.
    LEFT JOIN LATERAL (
      SELECT i."IsDatacenter" FROM "PiXL"."IP" i WHERE enrich AND i."IPAddress" = b."IPAddress" LIMIT 1
    ) ipr ON true
    LEFT JOIN LATERAL (
      SELECT c."BotScoreThreshold" FROM "PiXL"."Config" c
      WHERE enrich AND c."CompanyID" = b."CompanyID" AND c."PiXLID" = b."PiXLID" LIMIT 1
    ) cfg ON true
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

/**
 * Drops look-back rows no window can reach any more, by whole minutes (IX_SignalHit_Minute; at most a minute
 * more is kept), in ETL.usp_NumberSignals: rows more than the longest window (with slack) older than the newest
 * row, and older than the first raw row the parse has not taken yet (after its lowest position, the row
 * 'ParseNewHits'), whose look-back the parse still reads. Two backward seeks, so the work is the rows dropped.
 * Only the rows of this lane (\`inLane\` of an address): a lane running beside it deletes its own, so neither
 * waits on the other's row locks.
 */
export function pruneSignalState(inLane: (ip: string) => string): string {
  return `  DELETE FROM "ETL"."SignalHit" r
  WHERE date_trunc('minute', r."ReceivedAt") < date_trunc('minute', LEAST(
      (SELECT x."ReceivedAt" FROM "ETL"."SignalHit" x ORDER BY date_trunc('minute', x."ReceivedAt") DESC LIMIT 1),
      (SELECT t."ReceivedAt" FROM "ETL"."Watermark" w
        CROSS JOIN LATERAL (SELECT t."ReceivedAt" FROM "PiXL"."Test" t
          WHERE (t."TxId", t."Id") > (w."LastVersion", w."LastVersionId") ORDER BY t."TxId", t."Id" LIMIT 1) t
        WHERE w."ProcessName" = 'ParseNewHits')
    ) - keep_window)
    AND ${inLane('r."IPAddress"')};
`;
}

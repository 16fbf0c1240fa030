/**
 * PostgreSQL text of the generated parse objects: PiXL.Parsed's columns, ETL.usp_NumberSignals and
 * ETL.usp_ParseNewHits. One statement does each batch (data-modifying CTEs share one snapshot), so it is
 * set-based from start to end.
 */
import { quoteIdent } from '../../src/db/postgres/sql.js';
import { SIGNAL_COLUMNS } from '../../src/enrich/signals.js';
import { bucketProcessName, numberingProcessName, PARSE_BUCKETS } from '../../src/etl/lanes.js';
import { DEVICE_COLUMNS, DEVICE_HASH_COLUMNS, type Field, type SqlType } from '../../src/warehouse/fields.js';
import {
  bucketOf,
  numberBatch,
  parseBucketOf,
  pruneSignalState,
  signalCtes,
  signalJoins,
  signalLocals,
  signalParameters,
  signalValues,
  storedFpHash,
} from './postgresSignals.js';
import { postgresBatchOptOut, postgresPersonHashes } from './privacy.js';
import { type EngineSql, isComputed } from './types.js';

const q = quoteIdent;
const lit = (text: string) => `'${text.replaceAll("'", "''")}'`;

function columnType(t: SqlType): string {
  switch (t.kind) {
    case 'bit':
      return 'boolean';
    case 'int':
      return 'integer';
    case 'bigint':
      return 'bigint';
    case 'decimal':
      return `numeric(${t.precision}, ${t.scale})`;
    case 'varchar':
      return `varchar(${t.length})`;
  }
}

/** The typed value of a raw text value `v` (rules in sql/postgres/objects/ETL.Try*.sql). */
function typed(t: SqlType, v: string): string {
  switch (t.kind) {
    case 'bit':
      return `"ETL"."TryBit"(${v})`;
    case 'int':
      return `"ETL"."TryInt"(${v})`;
    case 'bigint':
      return `"ETL"."TryBigint"(${v})`;
    case 'decimal':
      return `"ETL"."TryDecimal"(${v}, ${t.precision}, ${t.scale})`;
    case 'varchar':
      // Most values are short: octet_length is O(1) and at most n bytes is at most n characters.
      return `CASE WHEN octet_length(${v}) <= ${t.length} THEN ${v} ELSE left(${v}, ${t.length}) END`;
  }
}

function addColumns(fields: readonly Field[]): string {
  return `${fields.map((f) => `ALTER TABLE "PiXL"."Parsed" ADD COLUMN ${q(f.column)} ${columnType(f.sqlType)};`).join('\n')}\n`;
}

/**
 * Drops every signature of a function: a changed parameter list or result would otherwise leave the old
 * signature beside the new one, and a call by argument names would be ambiguous.
 */
function dropOverloads(schema: string, name: string): string {
  return `DO $drop$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = to_regnamespace(${lit(q(schema))}) AND p.proname = ${lit(name)} LOOP
    EXECUTE 'DROP FUNCTION ' || f;
  END LOOP;
END $drop$;`;
}

/**
 * The raw rows of this call's batch with the given columns of PiXL.Test \`t\`: the lane's buckets (\`bucket\` of a
 * row), each after its own watermark (the scan starts at the lowest of them), up to (upto_version, upto_id), in
 * (TxId, Id) order.
 */
function laneRows(columns: string, bucket: string): string {
  return `SELECT ${columns}
      FROM "PiXL"."Test" t
      CROSS JOIN LATERAL (SELECT ${bucket} AS bucket) k
      WHERE (t."TxId", t."Id") > (last_version, last_id) AND (t."TxId", t."Id") <= (upto_version, upto_id)
        AND (lanes = 1 OR k.bucket % lanes = lane)
        AND (same_position OR (t."TxId", t."Id") > (bucket_version[k.bucket + 1], bucket_id[k.bucket + 1]))
      ORDER BY t."TxId", t."Id"
      LIMIT "BatchSize"`;
}

/** Locals of a function that takes its lane's buckets (takeBuckets) and reads its batch by laneRows. */
const bucketLocals = `  horizon xid8;
  upto_version xid8;
  upto_id bigint;
  last_version xid8;
  last_id bigint;
  lanes integer := "Lanes";
  lane integer := "Lane";
  b_no integer;
  -- Whether every bucket of this call stands at one position (the usual case): a row is then not compared with
  -- its bucket's position, and with one lane its bucket is never computed (laneRows).
  same_position boolean := true;
  bucket_names text[] := '{}';
  bucket_version xid8[] := array_fill(NULL::xid8, ARRAY[${PARSE_BUCKETS}]);
  bucket_id bigint[] := array_fill(NULL::bigint, ARRAY[${PARSE_BUCKETS}]);
  v xid8;
  i bigint;
  r_rows integer;
  r_from bigint;
  r_to bigint;
`;

/**
 * Checks Lane/Lanes, takes the shared lock of the parse (erasure and retention hold it exclusively), then the lock
 * (\`lock\` and the bucket, a two-key advisory lock) and watermark row (\`processName\`) of each of this lane's
 * buckets, or returns \`busy\` at once when another caller holds one. Sets the buckets' positions, (last_version,
 * last_id), the lowest of them, and (upto_version, upto_id) to the horizon: every transaction older than it has
 * ended, so no row below it can still commit.
 */
function takeBuckets(lock: string, processName: (bucket: number) => string, busy: string): string {
  return `  IF lanes IS NULL OR lanes < 1 OR lanes > ${PARSE_BUCKETS} OR lane IS NULL OR lane < 0 OR lane >= lanes THEN
    RAISE EXCEPTION 'Lane % of Lanes % is not a parse lane (Lanes 1 to ${PARSE_BUCKETS}, Lane 0 to Lanes - 1)', lane, lanes;
  END IF;
  IF NOT pg_try_advisory_xact_lock_shared(hashtext('ETL.usp_ParseNewHits')) THEN
    RETURN QUERY ${busy};
    RETURN;
  END IF;
  FOR b_no IN 0 .. ${PARSE_BUCKETS - 1} LOOP
    CONTINUE WHEN b_no % lanes <> lane;
    IF NOT pg_try_advisory_xact_lock(hashtext(${lit(lock)}), b_no) THEN
      RETURN QUERY ${busy};
      RETURN;
    END IF;
    bucket_names := bucket_names || (${lit(processName(0).slice(0, -2))} || lpad(b_no::text, 2, '0'));
    SELECT w."LastVersion", w."LastVersionId" INTO v, i
    FROM "ETL"."Watermark" w WHERE w."ProcessName" = bucket_names[cardinality(bucket_names)] FOR UPDATE;
    IF NOT FOUND THEN
      -- The migrations add every bucket's row (0054, 0085); one missing starts from the beginning (rows done
      -- already are skipped by key), never from a position that could pass over a row.
      INSERT INTO "ETL"."Watermark" ("ProcessName") VALUES (bucket_names[cardinality(bucket_names)]);
      v := '0';
      i := 0;
    END IF;
    bucket_version[b_no + 1] := v;
    bucket_id[b_no + 1] := i;
    IF last_version IS NOT NULL AND (v, i) <> (last_version, last_id) THEN
      same_position := false;
    END IF;
    IF last_version IS NULL OR (v, i) < (last_version, last_id) THEN
      last_version := v;
      last_id := i;
    END IF;
  END LOOP;
  horizon := pg_snapshot_xmin(pg_current_snapshot());
  upto_version := horizon;
  upto_id := 0;
`;
}

/**
 * CTEs \`last_row\`, \`next_mark\` and \`mark\` of a statement whose CTE \`batch\` holds the batch's rows: every
 * bucket of this lane has been read up to the batch's last row, or, when the batch was short, up to
 * (upto_version, upto_id) (a bucket without traffic moves too, so the lowest position keeps up).
 */
const advanceBuckets = `  last_row AS (
    SELECT b."TxId", b."Id" FROM batch b ORDER BY b."TxId" DESC, b."Id" DESC LIMIT 1
  ),
  next_mark AS (
    SELECT CASE WHEN c.n >= "BatchSize" THEN l."TxId" ELSE upto_version END AS v,
      CASE WHEN c.n >= "BatchSize" THEN l."Id" ELSE upto_id END AS i
    FROM (SELECT count(*) AS n FROM batch) c
    LEFT JOIN last_row l ON true
  ),
  mark AS (
    UPDATE "ETL"."Watermark" w SET
      "LastVersion" = m.v,
      "LastVersionId" = m.i,
      "LastProcessedId" = GREATEST(w."LastProcessedId", COALESCE((SELECT max(b."Id") FROM batch b), 0)),
      "LastRunAt" = now() AT TIME ZONE 'UTC'
    FROM next_mark m
    WHERE w."ProcessName" = ANY (bucket_names) AND (m.v, m.i) > (w."LastVersion", w."LastVersionId")
    RETURNING 1
  )`;

/**
 * ETL.usp_NumberSignals: adds the next batch of committed raw hits of one lane's networks to the signals'
 * look-back, the step before the parse (src/etl/lanes.ts).
 */
function numbering(fields: readonly Field[]): string {
  const nothingTaken = 'SELECT 0, NULL::bigint, NULL::bigint';
  return `-- Adds the next batch of committed raw hits of one lane to the behaviour signals' look-back (ETL.SignalHit),
-- each with the running count of its address's and its /24's hits, and drops look-back rows no window reaches
-- any more; ETL.usp_ParseNewHits parses only rows numbered here. A raw row belongs to one of ${PARSE_BUCKETS} buckets by its
-- network (the IPv4 /24, else the address), and lane "Lane" of "Lanes" takes the buckets b with b % "Lanes" =
-- "Lane", so a network's running counts are one caller's at a time (src/etl/lanes.ts runs one caller for all of
-- them). Each bucket has its watermark row ('${numberingProcessName(0)}'…) and lock, taken as the parse takes its
-- own; rows are taken in (TxId, Id) order once every older transaction has ended, so none is passed over. A
-- batch numbered again adds nothing. With "Enrich" off nothing is numbered and the buckets move to the horizon.
${dropOverloads('ETL', 'usp_NumberSignals')}
CREATE FUNCTION "ETL"."usp_NumberSignals"("BatchSize" integer DEFAULT 10000,
  "Lane" integer DEFAULT 0, "Lanes" integer DEFAULT 1,
  ${signalParameters()})
RETURNS TABLE ("RowsNumbered" integer, "FromId" bigint, "ToId" bigint)
-- The options of ETL.usp_ParseNewHits, for its reasons.
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
  SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
${bucketLocals}${signalLocals()}BEGIN
${takeBuckets('ETL.usp_NumberSignals', numberingProcessName, nothingTaken)}  IF NOT enrich THEN
    UPDATE "ETL"."Watermark" w SET "LastVersion" = upto_version, "LastVersionId" = upto_id,
      "LastRunAt" = now() AT TIME ZONE 'UTC'
    WHERE w."ProcessName" = ANY (bucket_names) AND (upto_version, upto_id) > (w."LastVersion", w."LastVersionId");
    RETURN QUERY ${nothingTaken};
    RETURN;
  END IF;
  -- Narrow: the fingerprint hash is the writer's, computed here only for a row landed before it.
  WITH batch AS MATERIALIZED (
    SELECT t."Id", t."TxId", t."IPAddress", t."ReceivedAt", ${storedFpHash(fields, (f, v) => typed(f.sqlType, v))} AS fp_hash
    FROM (
      ${laneRows('t."Id", t."TxId", t."IPAddress", t."ReceivedAt", t."ParamsJson", t."ClientParamsJson", t."FpHash"', bucketOf('t."IPAddress"'))}
    ) t
  ),
${numberBatch},
${advanceBuckets}
  SELECT count(*)::integer, min(b."Id"), max(b."Id") FROM batch b INTO r_rows, r_from, r_to;
${pruneSignalState((ip) => `${bucketOf(ip)} % lanes = lane`)}  RETURN QUERY SELECT r_rows, r_from, r_to;
END
$fn$;
`;
}

function procedure(fields: readonly Field[]): string {
  // Computed columns never read the client's key: a client could send `_srv_rapidFire=0` itself.
  const parsedFields = fields.filter((f) => !isComputed(f));
  const computed = signalValues(typed({ kind: 'int' }, 'j."botScore"'));
  const computedColumns = [
    ...fields.filter((f) => isComputed(f)).map((f) => f.column),
    ...SIGNAL_COLUMNS.map((c) => c.column),
  ];
  const insertColumns = [
    '"SourceId"',
    '"CompanyID"',
    '"PiXLID"',
    '"IPAddress"',
    '"ReceivedAt"',
    '"RequestPath"',
    '"ServerUserAgent"',
    '"ServerReferer"',
    ...parsedFields.map((f) => q(f.column)),
    ...computedColumns.map(q),
  ];
  const values = [
    'b."Id"',
    'b."CompanyID"',
    'b."PiXLID"',
    'b."IPAddress"',
    'b."ReceivedAt"',
    'b."RequestPath"',
    'b."UserAgent"',
    'b."Referer"',
    ...parsedFields.map((f) => typed(f.sqlType, `j.${q(f.key)}`)),
    ...computedColumns.map((c) => computed[c] ?? 'NULL'),
  ];
  const recordColumns = parsedFields.map((f) => `pj.params ->> ${lit(f.key)} AS ${q(f.key)}`);
  if (!parsedFields.some((f) => f.key === 'botScore')) throw new Error('IsLikelyBot needs botScore');
  const hashParts = DEVICE_HASH_COLUMNS.map(q).join(', ');
  const device = DEVICE_COLUMNS.map(q);
  const batchColumns = `t."Id", t."TxId", t."CompanyID", t."PiXLID", t."IPAddress", t."ReceivedAt", t."RequestPath",
      t."UserAgent", t."Referer", t."IsKnownBot", cp.client_params,
      ${postgresBatchOptOut}`;
  return `-- Parses the next batch of committed raw hits of one lane into PiXL.Parsed, Device, IP and Visit in one
-- transaction. A raw row belongs to one of ${PARSE_BUCKETS} buckets by its Id, and lane "Lane" of "Lanes" takes the buckets b
-- with b % "Lanes" = "Lane" (src/etl/lanes.ts); one lane of one takes them all. Each bucket has its watermark
-- row ('ParseNewHits:00'…) and lock: a caller whose buckets another caller holds returns at once with RowsParsed
-- 0, and erasure or retention (the shared lock's exclusive holders) keep every lane out. A raw row is taken only
-- once every transaction older than it has ended (TxId below the snapshot's xmin), and, with the signals on, once
-- ETL.usp_NumberSignals has added it to their look-back, in (TxId, Id) order after its bucket's watermark, so a
-- row whose Id committed late is never passed over. Inserts skip SourceIds/VisitIDs already present, and
-- Device/IP counts come only from rows inserted now, so re-running a batch changes nothing. Lanes never touch
-- the same Parsed or Visit rows and only read ETL.SignalHit; the Device and IP rows they may share are upserted
-- in key order, devices first, so two lanes cannot deadlock.
${dropOverloads('ETL', 'usp_ParseNewHits')}
CREATE FUNCTION "ETL"."usp_ParseNewHits"("BatchSize" integer DEFAULT 10000,
  "Lane" integer DEFAULT 0, "Lanes" integer DEFAULT 1,
  ${signalParameters()})
RETURNS TABLE (
  "RowsParsed" integer, "FromId" bigint, "ToId" bigint,
  "DevicesUpserted" integer, "IPsUpserted" integer, "VisitsInserted" integer
)
-- A batch of 10,000 rows holds ~55 MB of decoded params: enough work_mem keeps it off temporary files.
-- Memoize would hash each row's whole params document to cache the client params of identical ones: never
-- worth it here.
-- No sequential scans, bitmap scans or sorts where an ordered index scan can do: the signals' reads are
-- ORDER BY … LIMIT seeks whose bound must come from the index, whatever the (possibly stale) statistics
-- estimate (a bitmap scan and sort would read the whole window; scripts/sqlgen/postgresSignals.ts).
-- Custom plans only: from its sixth call PL/pgSQL may keep a generic plan, planned without knowing "BatchSize",
-- which joins the batch's CTEs by nested loops over CTE scans (quadratic in the batch: 10,000-row batches then
-- took several times longer from the sixth call of a connection on).
LANGUAGE plpgsql SET work_mem = '128MB' SET enable_memoize = off
  SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
  SET plan_cache_mode = force_custom_plan AS $fn$
DECLARE
${bucketLocals}  r_devices integer;
  r_ips integer;
  r_visits integer;
${signalLocals()}BEGIN
${takeBuckets('ETL.usp_ParseNewHits', bucketProcessName, 'SELECT 0, NULL::bigint, NULL::bigint, 0, 0, 0')}  IF enrich THEN
    -- Only rows whose signals are numbered (ETL.usp_NumberSignals): up to the lowest of its buckets' positions;
    -- from the beginning while one of them is missing.
    SELECT CASE WHEN x.n >= ${PARSE_BUCKETS} THEN x."LastVersion" ELSE '0' END,
      CASE WHEN x.n >= ${PARSE_BUCKETS} THEN x."LastVersionId" ELSE 0 END INTO v, i
    FROM (SELECT w."LastVersion", w."LastVersionId", count(*) OVER () AS n FROM "ETL"."Watermark" w
      WHERE w."ProcessName" LIKE ${lit(`${numberingProcessName(0).slice(0, -2)}%`)}
      ORDER BY w."LastVersion", w."LastVersionId" LIMIT 1) x;
    IF NOT FOUND THEN
      v := '0';
      i := 0;
    END IF;
    IF (v, i) < (upto_version, upto_id) THEN
      upto_version := v;
      upto_id := i;
    END IF;
  END IF;
  -- The raw rows of this batch, narrow: the wide ParamsJson is read where it is used (the Parsed insert), not
  -- copied into this CTE's store (~10 KB a row; copying it cost a tenth of the parse). The client params are
  -- the writer's ClientParamsJson (src/writer/hitRows.ts); only a row landed before that column (NULL) has them
  -- collected from the \`_cp_\` keys of ParamsJson: keys only, values fetched for the few that match, cheaper
  -- than jsonb_each_text over every key; called in the select list, the keys stream instead of being collected
  -- in a tuplestore.
  WITH batch AS MATERIALIZED (
    SELECT ${batchColumns}
    FROM (${laneRows('t.*', parseBucketOf('t."Id"'))}) t
    CROSS JOIN LATERAL (
      SELECT CASE WHEN t."ClientParamsJson" IS NOT NULL THEN NULLIF(t."ClientParamsJson", ${lit('{}')}::jsonb)
        ELSE (SELECT jsonb_object_agg(substr(k, 5), pj.params_json ->> k)
          FROM (SELECT t."ParamsJson" #> '{}' AS params_json OFFSET 0) pj,
            LATERAL (SELECT jsonb_object_keys(pj.params_json) AS k) keys
          WHERE starts_with(k, ${lit('_cp_')}) AND octet_length(k) > 4) END AS client_params
    ) cp
  ),
${signalCtes()}  parsed AS (
    INSERT INTO "PiXL"."Parsed" (
      ${insertColumns.join(', ')}
    )
    SELECT
      ${values.join(',\n      ')}
    FROM batch b
    JOIN "PiXL"."Test" raw ON raw."Id" = b."Id"
    -- Each key by ->> from one detoasted copy: ~30 µs a row less than jsonb_to_record's 166 text columns, which
    -- convert every value through a C string and the type's input function (docs/PERFORMANCE.md, "ETL parse:
    -- where the time goes"). Both OFFSET 0 keep the subqueries apart, so the copy is made once and each key
    -- looked up once, however often it is used.
    CROSS JOIN LATERAL (
      SELECT ${recordColumns.join(', ')}
      FROM (SELECT raw."ParamsJson" #> '{}' AS params OFFSET 0) pj
      OFFSET 0
    ) j
${signalJoins()}
    ON CONFLICT ("SourceId") DO NOTHING
    RETURNING "SourceId", "CompanyID", "PiXLID", "IPAddress", "ReceivedAt", ${device.join(', ')},
      CASE WHEN COALESCE(${hashParts}) IS NOT NULL
        THEN sha256(convert_to(concat_ws('|', ${hashParts}), 'UTF8')) END AS "DeviceHash"
  ),
  devices AS (
    -- In DeviceHash order: a lane running beside this one locks the rows it shares in the same order.
    INSERT INTO "PiXL"."Device" AS d ("DeviceHash", ${device.join(', ')}, "FirstSeen", "LastSeen", "HitCount")
    SELECT DISTINCT ON (p."DeviceHash") p."DeviceHash", ${device.map((c) => `p.${c}`).join(', ')},
      min(p."ReceivedAt") OVER w, max(p."ReceivedAt") OVER w, count(*) OVER w
    FROM parsed p
    WHERE p."DeviceHash" IS NOT NULL
    WINDOW w AS (PARTITION BY p."DeviceHash")
    ORDER BY p."DeviceHash", p."SourceId"
    ON CONFLICT ("DeviceHash") DO UPDATE SET
      "FirstSeen" = LEAST(d."FirstSeen", EXCLUDED."FirstSeen"),
      "LastSeen" = GREATEST(d."LastSeen", EXCLUDED."LastSeen"),
      "HitCount" = d."HitCount" + EXCLUDED."HitCount"
    RETURNING d."DeviceId", d."DeviceHash"
  ),
  ips AS (
    -- In address order, after every device (the count below waits for them), as every lane does.
    INSERT INTO "PiXL"."IP" AS i ("IPAddress", "FirstSeen", "LastSeen", "HitCount")
    SELECT p."IPAddress", min(p."ReceivedAt"), max(p."ReceivedAt"), count(*)
    FROM parsed p
    WHERE p."IPAddress" IS NOT NULL AND (SELECT count(*) FROM devices) >= 0
    GROUP BY p."IPAddress"
    ORDER BY p."IPAddress"
    ON CONFLICT ("IPAddress") DO UPDATE SET
      "FirstSeen" = LEAST(i."FirstSeen", EXCLUDED."FirstSeen"),
      "LastSeen" = GREATEST(i."LastSeen", EXCLUDED."LastSeen"),
      "HitCount" = i."HitCount" + EXCLUDED."HitCount"
    RETURNING i."IpId", i."IPAddress"
  ),
  visits AS (
    INSERT INTO "PiXL"."Visit" (
      "VisitID", "CompanyID", "PiXLID", "DeviceId", "IpId", "ReceivedAt", "ClientParamsJson", "MatchEmail",
      "PrivacyOptOut", "EmailSha256", "MatchHid"
    )
    SELECT p."SourceId", p."CompanyID", p."PiXLID", dv."DeviceId", ip."IpId", p."ReceivedAt",
      CASE WHEN NOT b.opt_out THEN b.client_params END,
      CASE WHEN NOT b.opt_out THEN left("PiXL"."NormaliseEmail"(b.client_params ->> 'email'), 200) END, b.opt_out,
${postgresPersonHashes}
    FROM parsed p
    JOIN batch b ON b."Id" = p."SourceId"
    LEFT JOIN devices dv ON dv."DeviceHash" = p."DeviceHash"
    LEFT JOIN ips ip ON ip."IPAddress" = p."IPAddress"
    -- "MatchSeq" (identity) is given in this order, the raw rows' Id order, as on SQL Server.
    ORDER BY p."SourceId"
    ON CONFLICT ("VisitID") DO NOTHING
    RETURNING 1
  ),
${advanceBuckets}
  SELECT
    (SELECT count(*) FROM batch)::integer,
    (SELECT min(b."Id") FROM batch b),
    (SELECT max(b."Id") FROM batch b),
    (SELECT count(*) FROM devices)::integer,
    (SELECT count(*) FROM ips)::integer,
    (SELECT count(*) FROM visits)::integer
  INTO r_rows, r_from, r_to, r_devices, r_ips, r_visits;
  -- Hits of erased people that landed after the erasure go now, raw row included, before any other step reads
  -- them (PiXL.ErasureSuppression; sql/postgres/objects/ETL.usp_EraseSuppressed.sql). The range may hold other
  -- lanes' visits too: erasing theirs is as right. Matching checks its batch again.
  IF r_visits > 0 AND EXISTS (SELECT 1 FROM "PiXL"."ErasureSuppression") THEN
    PERFORM "ETL"."usp_EraseSuppressed"(s.lo - 1, s.hi)
    FROM (SELECT min(v."MatchSeq") AS lo, max(v."MatchSeq") AS hi FROM "PiXL"."Visit" v
      WHERE v."VisitID" BETWEEN r_from AND r_to) s;
  END IF;
  -- The summary row, last: lanes running at once update it one after the other, each waiting only for the
  -- other's commit. Its position is the lowest of the buckets' (every row before it is parsed): what erasure
  -- and the health view read.
  UPDATE "ETL"."Watermark" w SET
    ("LastVersion", "LastVersionId") = (
      SELECT x."LastVersion", x."LastVersionId" FROM "ETL"."Watermark" x
      WHERE x."ProcessName" LIKE ${lit(`${bucketProcessName(0).slice(0, -2)}%`)}
      ORDER BY x."LastVersion", x."LastVersionId" LIMIT 1),
    "LastProcessedId" = GREATEST(w."LastProcessedId", COALESCE(r_to, 0)),
    "RowsProcessed" = w."RowsProcessed" + r_rows,
    "LastBatchRows" = r_rows,
    "LastRunAt" = now() AT TIME ZONE 'UTC'
  WHERE w."ProcessName" = 'ParseNewHits';
  RETURN QUERY SELECT r_rows, r_from, r_to, r_devices, r_ips, r_visits;
END
$fn$;
`;
}

export const postgresSql: EngineSql = {
  engine: 'postgres',
  addColumns,
  procedure,
  numbering,
};

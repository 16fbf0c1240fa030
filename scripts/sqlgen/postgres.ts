/**
 * PostgreSQL text of the generated parse migration: PiXL.Parsed and ETL.usp_ParseNewHits. One statement
 * does the whole batch (data-modifying CTEs share one snapshot), so it is set-based from start to end.
 */
import { quoteIdent } from '../../src/db/postgres/sql.js';
import { SIGNAL_COLUMNS } from '../../src/enrich/signals.js';
import { DEVICE_HASH_COLUMNS, type Field, type SqlType } from '../../src/warehouse/fields.js';
import {
  addBatchToSignalState,
  pruneSignalState,
  signalCtes,
  signalJoins,
  signalLocals,
  signalParameters,
  signalValues,
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

const DEVICE_EXTRA = [
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
export const DEVICE_COLUMNS = [...DEVICE_HASH_COLUMNS, ...DEVICE_EXTRA];

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
  const recordColumns = parsedFields.map((f) => `${q(f.key)} text`);
  if (!parsedFields.some((f) => f.key === 'botScore')) throw new Error('IsLikelyBot needs botScore');
  const hashParts = DEVICE_HASH_COLUMNS.map(q).join(', ');
  const device = DEVICE_COLUMNS.map(q);
  return `-- Parses the next batch of committed raw hits into PiXL.Parsed, Device, IP and Visit in one transaction.
-- A raw row is taken only once every transaction older than it has ended (TxId below the snapshot's xmin), in
-- (TxId, Id) order after the watermark, so a row whose Id committed late is never passed over. A second
-- caller while one runs returns at once with RowsParsed 0. Inserts skip SourceIds/VisitIDs already present,
-- and Device/IP counts come only from rows inserted now, so re-running a batch changes nothing.
${dropOverloads('ETL', 'usp_ParseNewHits')}
CREATE FUNCTION "ETL"."usp_ParseNewHits"("BatchSize" integer DEFAULT 10000,
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
LANGUAGE plpgsql SET work_mem = '128MB' SET enable_memoize = off
  SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off AS $fn$
DECLARE
  horizon xid8;
  last_version xid8;
  last_id bigint;
${signalLocals()}BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('ETL.usp_ParseNewHits')) THEN
    RETURN QUERY SELECT 0, NULL::bigint, NULL::bigint, 0, 0, 0;
    RETURN;
  END IF;
  SELECT w."LastVersion", w."LastVersionId" INTO last_version, last_id
  FROM "ETL"."Watermark" w WHERE w."ProcessName" = 'ParseNewHits' FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO "ETL"."Watermark" ("ProcessName") VALUES ('ParseNewHits');
    last_version := '0';
    last_id := 0;
  END IF;
  horizon := pg_snapshot_xmin(pg_current_snapshot());
${addBatchToSignalState(fields, (f, v) => typed(f.sqlType, v))}
  RETURN QUERY
  -- The raw rows of this batch. ParamsJson is read from TOAST once (#> '{}' hands back the detoasted value
  -- without rebuilding it), and the client params are collected from it here, while it is in memory.
  WITH batch AS MATERIALIZED (
    SELECT t."Id", t."TxId", t."CompanyID", t."PiXLID", t."IPAddress", t."ReceivedAt", t."RequestPath",
      t."UserAgent", t."Referer", t."IsKnownBot", pj.params_json, cp.client_params,
      ${postgresBatchOptOut}
    FROM "PiXL"."Test" t
    CROSS JOIN LATERAL (SELECT t."ParamsJson" #> '{}' AS params_json OFFSET 0) pj
    CROSS JOIN LATERAL (
      -- Keys only, values fetched for the few that match: cheaper than jsonb_each_text over every key; called
      -- in the select list, the keys stream instead of being collected in a tuplestore first.
      SELECT jsonb_object_agg(substr(k, 5), pj.params_json ->> k) AS client_params
      FROM (SELECT jsonb_object_keys(pj.params_json) AS k) keys
      WHERE starts_with(k, ${lit('_cp_')}) AND octet_length(k) > 4
    ) cp
    WHERE (t."TxId", t."Id") > (last_version, last_id) AND t."TxId" < horizon
    ORDER BY t."TxId", t."Id"
    LIMIT "BatchSize"
  ),
${signalCtes()}  parsed AS (
    INSERT INTO "PiXL"."Parsed" (
      ${insertColumns.join(', ')}
    )
    SELECT
      ${values.join(',\n      ')}
    FROM batch b
    CROSS JOIN LATERAL jsonb_to_record(b.params_json) AS j(
      ${recordColumns.join(', ')}
    )
${signalJoins()}
    ON CONFLICT ("SourceId") DO NOTHING
    RETURNING "SourceId", "CompanyID", "PiXLID", "IPAddress", "ReceivedAt", ${device.join(', ')},
      CASE WHEN COALESCE(${hashParts}) IS NOT NULL
        THEN sha256(convert_to(concat_ws('|', ${hashParts}), 'UTF8')) END AS "DeviceHash"
  ),
  devices AS (
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
    INSERT INTO "PiXL"."IP" AS i ("IPAddress", "FirstSeen", "LastSeen", "HitCount")
    SELECT p."IPAddress", min(p."ReceivedAt"), max(p."ReceivedAt"), count(*)
    FROM parsed p
    WHERE p."IPAddress" IS NOT NULL
    GROUP BY p."IPAddress"
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
    ON CONFLICT ("VisitID") DO NOTHING
    RETURNING 1
  ),
  last_row AS (
    SELECT b."TxId", b."Id" FROM batch b ORDER BY b."TxId" DESC, b."Id" DESC LIMIT 1
  ),
  mark AS (
    UPDATE "ETL"."Watermark" w SET
      "LastVersion" = COALESCE((SELECT l."TxId" FROM last_row l), w."LastVersion"),
      "LastVersionId" = COALESCE((SELECT l."Id" FROM last_row l), w."LastVersionId"),
      "LastProcessedId" = GREATEST(w."LastProcessedId", COALESCE((SELECT max(b."Id") FROM batch b), 0)),
      "RowsProcessed" = w."RowsProcessed" + (SELECT count(*) FROM batch),
      "LastBatchRows" = (SELECT count(*) FROM batch),
      "LastRunAt" = now() AT TIME ZONE 'UTC'
    WHERE w."ProcessName" = 'ParseNewHits'
    RETURNING 1
  )
  SELECT
    (SELECT count(*) FROM batch)::integer,
    (SELECT min(b."Id") FROM batch b),
    (SELECT max(b."Id") FROM batch b),
    (SELECT count(*) FROM devices)::integer,
    (SELECT count(*) FROM ips)::integer,
    (SELECT count(*) FROM visits)::integer;
${pruneSignalState()}END
$fn$;
`;
}

export const postgresSql: EngineSql = {
  engine: 'postgres',
  addColumns,
  procedure,
};

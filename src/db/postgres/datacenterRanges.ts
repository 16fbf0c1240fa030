/** PostgreSQL: one provider's datacenter ranges replaced atomically (DELETE + one unnest INSERT), and refresh state. */
import type pg from 'pg';
import type { DatacenterRangeLoad, RangeRefreshAttempt, RangeRefreshState } from '../types.js';
import { inTransaction } from './sql.js';

/** Shared with ETL.usp_ClassifyIPs (which takes it shared): classification never reads half a refresh. */
export const RANGES_DATA_LOCK = 'smartpixl-ranges-data';

export function replaceDatacenterRanges(pool: pg.Pool, load: DatacenterRangeLoad): Promise<void> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [RANGES_DATA_LOCK]);
    // clock_timestamp, not now(): the time after the lock was taken, so a classification that finished
    // before this transaction could see it is always older than ChangedAt.
    const [stamp] = (
      await client.query<{ at: string }>(`SELECT (clock_timestamp() AT TIME ZONE 'UTC')::text AS at`)
    ).rows;
    await client.query('DELETE FROM "PiXL"."DatacenterRange" WHERE "Provider" = $1', [load.provider]);
    const r = load.ranges;
    await client.query(
      `INSERT INTO "PiXL"."DatacenterRange"
         ("Provider", "Cidr", "Family", "StartAddress", "EndAddress", "Region", "Service", "LoadedAt")
       SELECT $1, c, f, s, e, rg, sv, $8::timestamp(3)
       FROM unnest($2::text[], $3::smallint[], $4::bytea[], $5::bytea[], $6::text[], $7::text[]) AS u(c, f, s, e, rg, sv)`,
      [
        load.provider,
        r.map((x) => x.cidr),
        r.map((x) => x.family),
        r.map((x) => x.start),
        r.map((x) => x.end),
        r.map((x) => x.region),
        r.map((x) => x.service),
        stamp?.at,
      ],
    );
    await client.query(
      `INSERT INTO "ETL"."RangeRefresh" ("Provider", "ETag", "LastModified", "ContentHash", "RangeCount",
         "PublishedCount", "RejectedCount", "LastStatus", "LastError", "LastAttemptAt", "LastSuccessAt", "ChangedAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'loaded', NULL, $8::timestamp(3), $8::timestamp(3), $8::timestamp(3))
       ON CONFLICT ("Provider") DO UPDATE SET
         "ETag" = EXCLUDED."ETag", "LastModified" = EXCLUDED."LastModified", "ContentHash" = EXCLUDED."ContentHash",
         "RangeCount" = EXCLUDED."RangeCount", "PublishedCount" = EXCLUDED."PublishedCount",
         "RejectedCount" = EXCLUDED."RejectedCount", "LastStatus" = 'loaded', "LastError" = NULL,
         "LastAttemptAt" = EXCLUDED."LastAttemptAt", "LastSuccessAt" = EXCLUDED."LastSuccessAt",
         "ChangedAt" = EXCLUDED."ChangedAt"`,
      [
        load.provider,
        load.etag,
        load.lastModified,
        load.contentHash,
        r.length,
        load.publishedCount,
        load.rejectedCount,
        stamp?.at,
      ],
    );
  });
}

export async function readRangeRefreshState(
  pool: pg.Pool,
  provider: string,
): Promise<RangeRefreshState | undefined> {
  const { rows } = await pool.query<RangeRefreshState>(
    `SELECT "Provider" AS provider, "ETag" AS etag, "LastModified" AS "lastModified",
       "ContentHash" AS "contentHash", "RangeCount" AS "rangeCount"
     FROM "ETL"."RangeRefresh" WHERE "Provider" = $1`,
    [provider],
  );
  return rows[0];
}

export async function recordRangeRefreshAttempt(pool: pg.Pool, a: RangeRefreshAttempt): Promise<void> {
  await pool.query(
    `INSERT INTO "ETL"."RangeRefresh" AS r ("Provider", "LastStatus", "LastError", "LastAttemptAt", "LastSuccessAt",
       "ETag", "LastModified")
     VALUES ($1, $2, $3, now() AT TIME ZONE 'UTC', CASE WHEN $4 THEN now() AT TIME ZONE 'UTC' END, $6, $7)
     ON CONFLICT ("Provider") DO UPDATE SET
       "LastStatus" = EXCLUDED."LastStatus", "LastError" = EXCLUDED."LastError",
       "LastAttemptAt" = EXCLUDED."LastAttemptAt",
       "LastSuccessAt" = COALESCE(EXCLUDED."LastSuccessAt", r."LastSuccessAt"),
       "ETag" = CASE WHEN $5 THEN EXCLUDED."ETag" ELSE r."ETag" END,
       "LastModified" = CASE WHEN $5 THEN EXCLUDED."LastModified" ELSE r."LastModified" END`,
    [
      a.provider,
      a.status,
      a.error?.slice(0, 1000) ?? null,
      a.success,
      a.validators !== undefined,
      a.validators?.etag ?? null,
      a.validators?.lastModified ?? null,
    ],
  );
}

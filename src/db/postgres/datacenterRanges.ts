/** PostgreSQL: one provider's datacenter ranges replaced atomically (DELETE + one unnest INSERT). */
import type pg from 'pg';
import type { DatacenterRangeLoad } from '../types.js';

/** Shared with ETL.usp_ClassifyIPs (which takes it shared): classification never reads half a refresh. */
export const RANGES_DATA_LOCK = 'smartpixl-ranges-data';

export async function replaceDatacenterRanges(pool: pg.Pool, load: DatacenterRangeLoad): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
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
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

-- Classifies up to BatchSize IPs that need it, oldest classification first; returns how many, and how many of
-- them are in a datacenter. Holds the ranges lock shared: a refresh (exclusive) either committed before this
-- batch read the ranges, or takes its ChangedAt after this batch committed, so no IP keeps a stale class.
CREATE OR REPLACE FUNCTION "ETL"."usp_ClassifyIPs"("BatchSize" integer DEFAULT 50000)
RETURNS TABLE ("RowsClassified" integer, "DatacenterIPs" integer)
LANGUAGE plpgsql AS $fn$
DECLARE
  since timestamp(3);
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtext('smartpixl-ranges-data'));
  SELECT COALESCE(MAX(r."ChangedAt"), '1900-01-01') INTO since FROM "ETL"."RangeRefresh" r;

  RETURN QUERY
  -- MATERIALIZED: each row's key is computed once (inlined, the text-to-key expression would otherwise be
  -- repeated in every place the key is used).
  WITH batch AS MATERIALIZED (
    SELECT b."IpId", COALESCE(b."IpBinary", x."IpBinary") AS k
    FROM (
      SELECT ip."IpId", ip."IPAddress", ip."IpBinary"
      FROM "PiXL"."IP" ip
      WHERE ip."ClassifiedAt" <= since
      ORDER BY ip."ClassifiedAt", ip."IpId"
      LIMIT "BatchSize"
    ) b
    CROSS JOIN LATERAL "ETL"."IpToBinary"(b."IPAddress") x
  ),
  classified AS (
    SELECT batch."IpId", batch.k, c."IpClass", d."Provider"
    FROM batch
    CROSS JOIN LATERAL "ETL"."IpClassOf"(batch.k) c
    LEFT JOIN LATERAL "ETL"."DatacenterOf"(batch.k) d ON true
  ),
  updated AS (
    UPDATE "PiXL"."IP" ip
    SET "IpBinary" = classified.k,
        "IpType" = classified."IpClass",
        "IsDatacenter" = classified."Provider" IS NOT NULL,
        "DatacenterProvider" = classified."Provider",
        "ClassifiedAt" = clock_timestamp() AT TIME ZONE 'UTC'
    FROM classified
    WHERE ip."IpId" = classified."IpId"
    RETURNING ip."IsDatacenter"
  )
  SELECT COUNT(*)::integer, (COUNT(*) FILTER (WHERE u."IsDatacenter"))::integer FROM updated u;
END
$fn$;

-- The provider holding a key: one seek per provider (ranges do not overlap within a provider); when two
-- providers list the address, the first by name.
CREATE OR REPLACE FUNCTION "ETL"."DatacenterOf"(ip bytea)
RETURNS TABLE ("Provider" varchar(20), "Cidr" varchar(43), "Region" varchar(64), "Service" varchar(64))
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r."Provider", r."Cidr", r."Region", r."Service"
FROM "ETL"."RangeRefresh" p
CROSS JOIN LATERAL (
  SELECT d."Provider", d."Cidr", d."Region", d."Service", d."EndAddress"
  FROM "PiXL"."DatacenterRange" d
  WHERE d."Provider" = p."Provider" AND d."StartAddress" <= ip
  ORDER BY d."StartAddress" DESC
  LIMIT 1
) r
WHERE r."EndAddress" >= ip
ORDER BY p."Provider" COLLATE "C"
LIMIT 1
$$;

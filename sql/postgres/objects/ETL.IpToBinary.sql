-- The table form both engines share (CROSS APPLY / LATERAL), now a thin wrapper around the call above.
CREATE OR REPLACE FUNCTION "ETL"."IpToBinary"(ip varchar)
RETURNS TABLE ("IpBinary" bytea)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT "ETL"."IpTextToBinary"(ip)
$$;

-- The class of a key (NULL = Invalid): the last class range starting at or before it, if it ends at or after
-- it; else Public. TOP 1 first, end check after, so the seek reads one row.
CREATE OR REPLACE FUNCTION "ETL"."IpClassOf"(ip bytea)
RETURNS TABLE ("IpClass" varchar(20))
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CAST(CASE
    WHEN ip IS NULL THEN 'Invalid'
    ELSE COALESCE((
      SELECT c."IpClass"
      FROM (SELECT r."EndAddress", r."IpClass" FROM "PiXL"."IpClassRange" r
            WHERE r."StartAddress" <= ip ORDER BY r."StartAddress" DESC LIMIT 1) c
      WHERE c."EndAddress" >= ip), 'Public')
  END AS varchar(20))
$$;

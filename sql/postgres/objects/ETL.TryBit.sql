-- 1 / true and 0 / false, any letter case; anything else is NULL.
CREATE OR REPLACE FUNCTION "ETL"."TryBit"(v text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE v WHEN '1' THEN true WHEN '0' THEN false
    ELSE CASE lower(v) WHEN 'true' THEN true WHEN 'false' THEN false END END
$$;

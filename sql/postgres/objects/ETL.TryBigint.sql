CREATE OR REPLACE FUNCTION "ETL"."TryBigint"(v text) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ltrim(v, '+-0123456789') = '' AND length(v) <= 30 AND pg_input_is_valid(v, 'bigint')
    THEN v::bigint END
$$;

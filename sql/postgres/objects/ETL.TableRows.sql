-- Rows of a table without reading it when it is big: exact below 8 MB (a count that small is cheap), else the
-- planner's own estimate (rows per page at the last ANALYZE times the pages the table has now). NULL for a big
-- table never analyzed: autovacuum analyzes a table soon after it grows.
CREATE OR REPLACE FUNCTION "ETL"."TableRows"(t regclass) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
  bytes bigint := pg_relation_size(t);
  exact bigint;
BEGIN
  IF bytes <= 8 * 1024 * 1024 THEN
    EXECUTE format('SELECT count(*) FROM %s', t) INTO exact;
    RETURN exact;
  END IF;
  RETURN (
    SELECT CASE WHEN c.relpages > 0 AND c.reltuples >= 0
      THEN round(c.reltuples / c.relpages * (bytes / current_setting('block_size')::bigint))::bigint END
    FROM pg_class c WHERE c.oid = t
  );
END
$$;

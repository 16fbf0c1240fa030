-- Optional sign, digits with at most one '.', rounded half away from zero to the scale (as SQL Server's CAST
-- does), NULL when the rounded value needs more than precision - scale integer digits.
CREATE OR REPLACE FUNCTION "ETL"."TryDecimal"(v text, prec integer, scale integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(v) <= 30 AND v ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$'
      AND abs(round(v::numeric, scale)) < power(10::numeric, prec - scale)
      THEN round(v::numeric, scale)
  END
$$;

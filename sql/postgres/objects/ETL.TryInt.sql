-- Typing helpers of the parse: TRY_CAST-like, a bad value gives NULL and never an error. Plain SQL functions
-- that the planner inlines (one expression, volatility no higher than the body's: pg_input_is_valid is STABLE,
-- so an IMMUTABLE wrapper would not be inlined), so the parse calls no function per row. The rules
-- are the ones sql/mssql writes inline; src/warehouse/fields.ts states them and test/etl.conformance.test.ts
-- checks them on both engines. pg_input_is_valid (PostgreSQL 16+) checks syntax and range without raising
-- an error; the ltrim guard first keeps only optional-sign-and-digits texts (the type's input would also
-- take spaces, underscores and 0x/0o/0b prefixes, which SQL Server's TRY_CAST does not).

-- Optional sign and ASCII digits, at most 30 characters, within the type's range.
CREATE OR REPLACE FUNCTION "ETL"."TryInt"(v text) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN ltrim(v, '+-0123456789') = '' AND length(v) <= 30 AND pg_input_is_valid(v, 'integer')
    THEN v::integer END
$$;

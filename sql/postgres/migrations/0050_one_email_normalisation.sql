-- The parse normalises a visit's email with PiXL.NormaliseEmail, the definition matching uses (spaces, tabs,
-- CR and LF trimmed), instead of a second function that trimmed spaces only.
DROP FUNCTION IF EXISTS "ETL"."NormalizeEmail"(text);

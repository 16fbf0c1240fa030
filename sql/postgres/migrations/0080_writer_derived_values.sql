-- smartpixl:no-transaction
-- Two values the hit writer derives from a hit's parameters (src/writer/hitRows.ts decodeParams), so the parse
-- no longer digs them out of ParamsJson for every hit. Mirrors sql/mssql/migrations/0080.
-- - ClientParamsJson: the client params (`_cp_<name>`, keyed by <name> as PiXL.Visit.ClientParamsJson holds
--   them; `{}` when none), no longer in ParamsJson: the parse copies them instead of walking every key, and a
--   hit's personal values sit in one column.
-- - FpHash: the composite fingerprint's SHA-256 the behaviour signals compare (src/writer/fingerprintHash.ts;
--   NULL when the hit has none of its three keys): the signal statement then reads no JSON.
-- Both NULL on rows landed before this migration (ClientParamsJson NULL marks them): the parse and erasure read
-- those rows' values from ParamsJson as before.
ALTER TABLE "PiXL"."Test" ADD COLUMN IF NOT EXISTS "ClientParamsJson" jsonb;
ALTER TABLE "PiXL"."Test" ADD COLUMN IF NOT EXISTS "FpHash" bytea;

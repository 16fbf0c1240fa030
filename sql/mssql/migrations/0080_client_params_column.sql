-- smartpixl:no-transaction
-- A hit's client params (`_cp_<name>`, keyed by <name> as PiXL.Visit.ClientParamsJson holds them; `{}` when it
-- has none), written by the hit writer apart from ParamsJson (src/writer/hitRows.ts decodeParams): the parse
-- copies them instead of walking every key of ParamsJson for the few that are client params, and a hit's
-- personal values sit in one column. NULL on rows landed before this migration: their client params are still
-- the `_cp_` keys of ParamsJson, and the parse and erasure read them there. A nullable column without a default
-- is a change of metadata only. Mirrors sql/postgres/migrations/0080.
IF COL_LENGTH(N'PiXL.Test', N'ClientParamsJson') IS NULL
  ALTER TABLE PiXL.Test ADD ClientParamsJson JSON NULL;
GO

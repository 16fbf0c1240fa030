-- The parse normalises a visit's email with PiXL.NormaliseEmail, the definition matching uses (spaces, tabs,
-- CR and LF trimmed). SQL Server had no second function to drop: its parse wrote the rule inline.
PRINT 'one email normalisation';

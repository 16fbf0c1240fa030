-- smartpixl:no-transaction
-- Client-supplied text is stored as UTF-16, so any 2,000 characters the capture keeps fit unchanged: as VARCHAR
-- under a UTF-8 collation a long non-ASCII User-Agent overflowed its 2,000 bytes (Msg 2628, the whole message
-- poisoned), and under a code-page collation non-Latin letters became '?'. One column per batch: each ALTER
-- rewrites its column and holds the table's schema lock only for that statement (src/db/batches.ts).
ALTER TABLE PiXL.Test ALTER COLUMN UserAgent NVARCHAR(2000) NULL;
GO
ALTER TABLE PiXL.Test ALTER COLUMN Referer NVARCHAR(2000) NULL;
GO
ALTER TABLE PiXL.Test ALTER COLUMN RequestPath NVARCHAR(4000) NULL;
GO
ALTER TABLE PiXL.Test ALTER COLUMN QueryString NVARCHAR(MAX) NULL;
GO
ALTER TABLE PiXL.Parsed ALTER COLUMN ServerUserAgent NVARCHAR(2000) NULL;
GO
ALTER TABLE PiXL.Parsed ALTER COLUMN ServerReferer NVARCHAR(2000) NULL;
GO
ALTER TABLE PiXL.Parsed ALTER COLUMN RequestPath NVARCHAR(4000) NULL;
GO

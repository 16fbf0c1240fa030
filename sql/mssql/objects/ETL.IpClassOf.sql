-- The class of a key (NULL = Invalid): the last class range starting at or before it, if it ends at or after
-- it; else Public. TOP (1) first, end check after, so the seek reads one row.
CREATE OR ALTER FUNCTION ETL.IpClassOf (@ip VARBINARY(16))
RETURNS TABLE
AS
RETURN
SELECT IpClass = CAST(CASE
    WHEN @ip IS NULL THEN 'Invalid'
    ELSE COALESCE((
      SELECT c.IpClass
      FROM (SELECT TOP (1) r.EndAddress, r.IpClass FROM PiXL.IpClassRange AS r
            WHERE r.StartAddress <= @ip ORDER BY r.StartAddress DESC) AS c
      WHERE c.EndAddress >= @ip), 'Public')
  END AS VARCHAR(20));
GO

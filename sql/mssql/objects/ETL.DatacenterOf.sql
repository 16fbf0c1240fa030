-- The provider holding a key: one seek per provider (ranges do not overlap within a provider); when two
-- providers list the address, the first by name.
CREATE OR ALTER FUNCTION ETL.DatacenterOf (@ip VARBINARY(16))
RETURNS TABLE
AS
RETURN
SELECT TOP (1) r.Provider, r.Cidr, r.Region, r.Service
FROM ETL.RangeRefresh AS p
CROSS APPLY (
  SELECT TOP (1) d.Provider, d.Cidr, d.Region, d.Service, d.EndAddress
  FROM PiXL.DatacenterRange AS d
  WHERE d.Provider = p.Provider AND d.StartAddress <= @ip
  ORDER BY d.StartAddress DESC
) AS r
WHERE r.EndAddress >= @ip
ORDER BY p.Provider COLLATE Latin1_General_BIN2;
GO

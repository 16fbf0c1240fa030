-- The table form both engines share (CROSS APPLY / LATERAL), now a thin wrapper around the call above.
CREATE OR ALTER FUNCTION ETL.IpToBinary (@ip VARCHAR(45))
RETURNS TABLE
AS
RETURN
SELECT IpBinary = ETL.IpTextToBinary(@ip);
GO

-- ETL.IpToBinary as one scalar-function call per address, with every step computed once into a variable
-- (PostgreSQL does the same in PL/pgSQL under this number). In the expression-only inline version of 0020 each
-- intermediate is referenced many times, and the optimizer may evaluate a deferred expression at every
-- reference: on PostgreSQL that made an IPv6 address cost 1.7 ms. Same checks in the same order as 0020, so
-- both engines still accept and reject the same texts. INLINE = OFF keeps SQL Server 2019+ from turning the
-- function back into one expression. The key is computed once per PiXL.IP row (cached in IpBinary).
CREATE OR ALTER FUNCTION ETL.IpTextToBinary (@ip VARCHAR(45))
RETURNS VARBINARY(16)
WITH SCHEMABINDING, RETURNS NULL ON NULL INPUT, INLINE = OFF
AS
BEGIN
  -- IPv4: digits and three dots; four parts of 1-3 digits, no leading zero, at most 255.
  IF @ip COLLATE Latin1_General_BIN2 NOT LIKE '%[^0-9.]%'
  BEGIN
    IF DATALENGTH(@ip) - DATALENGTH(REPLACE(@ip, '.', '')) <> 3 RETURN NULL;
    DECLARE @d1 INT = CHARINDEX('.', @ip);
    DECLARE @d2 INT = CHARINDEX('.', @ip, @d1 + 1);
    DECLARE @d3 INT = CHARINDEX('.', @ip, @d2 + 1);
    DECLARE @a VARCHAR(45) = SUBSTRING(@ip, 1, @d1 - 1);
    DECLARE @b VARCHAR(45) = SUBSTRING(@ip, @d1 + 1, @d2 - @d1 - 1);
    DECLARE @c VARCHAR(45) = SUBSTRING(@ip, @d2 + 1, @d3 - @d2 - 1);
    DECLARE @d VARCHAR(45) = SUBSTRING(@ip, @d3 + 1, 45);
    IF NOT (LEN(@a) BETWEEN 1 AND 3 AND (@a = '0' OR LEFT(@a, 1) <> '0') AND RIGHT('00' + @a, 3) <= '255') RETURN NULL;
    IF NOT (LEN(@b) BETWEEN 1 AND 3 AND (@b = '0' OR LEFT(@b, 1) <> '0') AND RIGHT('00' + @b, 3) <= '255') RETURN NULL;
    IF NOT (LEN(@c) BETWEEN 1 AND 3 AND (@c = '0' OR LEFT(@c, 1) <> '0') AND RIGHT('00' + @c, 3) <= '255') RETURN NULL;
    IF NOT (LEN(@d) BETWEEN 1 AND 3 AND (@d = '0' OR LEFT(@d, 1) <> '0') AND RIGHT('00' + @d, 3) <= '255') RETURN NULL;
    RETURN 0x00000000000000000000FFFF
      + CAST(CAST(@a AS TINYINT) AS BINARY(1)) + CAST(CAST(@b AS TINYINT) AS BINARY(1))
      + CAST(CAST(@c AS TINYINT) AS BINARY(1)) + CAST(CAST(@d AS TINYINT) AS BINARY(1));
  END;
  -- IPv6: hex digits and colons; "::" (at most once) expanded to zero groups; then exactly 8 groups of 1-4.
  IF @ip COLLATE Latin1_General_BIN2 LIKE '%[^0-9a-fA-F:]%' OR CHARINDEX(':', @ip) = 0 RETURN NULL;
  DECLARE @ip2 VARCHAR(60) = CASE WHEN LEFT(@ip, 2) = '::' THEN '0' ELSE '' END + @ip
    + CASE WHEN RIGHT(@ip, 2) = '::' THEN '0' ELSE '' END;
  DECLARE @colons INT = DATALENGTH(@ip2) - DATALENGTH(REPLACE(@ip2, ':', ''));
  DECLARE @gaps INT = (DATALENGTH(@ip2) - DATALENGTH(REPLACE(@ip2, '::', ''))) / 2;
  DECLARE @x VARCHAR(100);
  IF @gaps = 0 SET @x = @ip2;
  ELSE IF @gaps = 1 AND @colons <= 8 SET @x = REPLACE(@ip2, '::', ':' + REPLICATE('0:', 8 - @colons));
  ELSE RETURN NULL;
  IF DATALENGTH(@x) - DATALENGTH(REPLACE(@x, ':', '')) <> 7 RETURN NULL;
  DECLARE @hex VARCHAR(32) = '';
  DECLARE @i INT = 0;
  DECLARE @start INT = 1;
  DECLARE @next INT;
  DECLARE @g VARCHAR(100);
  WHILE @i < 8
  BEGIN
    SET @next = CHARINDEX(':', @x + ':', @start);
    SET @g = SUBSTRING(@x, @start, @next - @start);
    IF LEN(@g) NOT BETWEEN 1 AND 4 RETURN NULL;
    SET @hex = @hex + RIGHT('000' + @g, 4);
    SET @start = @next + 1;
    SET @i += 1;
  END;
  RETURN CONVERT(VARBINARY(16), @hex, 2);
END;
GO

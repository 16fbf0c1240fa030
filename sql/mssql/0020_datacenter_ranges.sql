-- Datacenter ranges per cloud provider, IP classes, and the functions that turn an address into its class and
-- provider (issue 5). Addresses are 16-byte sortable keys: IPv6 as is, IPv4 as ::ffff:a.b.c.d, so one
-- varbinary(16) column holds both families and varbinary order is address order, as bytea order is on PostgreSQL.

-- One provider's ranges, non-overlapping within the provider (nested published blocks are split; see
-- src/enrich/ranges/flatten.ts), so "the last range starting at or before the address" is one index seek.
CREATE TABLE PiXL.DatacenterRange (
  Provider     VARCHAR(20) NOT NULL,
  -- The published block the range comes from (a parent split around a child keeps its own block).
  Cidr         VARCHAR(43) NOT NULL,
  Family       SMALLINT NOT NULL,
  StartAddress VARBINARY(16) NOT NULL,
  EndAddress   VARBINARY(16) NOT NULL,
  Region       VARCHAR(64) NULL,
  Service      VARCHAR(64) NULL,
  LoadedAt     DATETIME2(3) NOT NULL,
  CONSTRAINT PK_DatacenterRange PRIMARY KEY CLUSTERED (Provider, StartAddress),
  CONSTRAINT CK_DatacenterRange_Family CHECK (Family IN (4, 6)),
  CONSTRAINT CK_DatacenterRange_Keys CHECK (
    DATALENGTH(StartAddress) = 16 AND DATALENGTH(EndAddress) = 16 AND StartAddress <= EndAddress)
);

-- Per-provider refresh state. ETag / LastModified hold one validator per URL of the provider's setting, in
-- order, separated by newlines (Cloudflare publishes two files).
CREATE TABLE ETL.RangeRefresh (
  Provider       VARCHAR(20) NOT NULL CONSTRAINT PK_RangeRefresh PRIMARY KEY,
  ETag           VARCHAR(2000) NULL,
  LastModified   VARCHAR(2000) NULL,
  -- SHA-256 of the stored ranges: an identical download changes nothing (and re-classifies nothing).
  ContentHash    CHAR(64) NULL,
  -- Rows stored / blocks in the file / entries rejected as not a block.
  RangeCount     INT NOT NULL CONSTRAINT DF_RangeRefresh_RangeCount DEFAULT (0),
  PublishedCount INT NOT NULL CONSTRAINT DF_RangeRefresh_PublishedCount DEFAULT (0),
  RejectedCount  INT NOT NULL CONSTRAINT DF_RangeRefresh_RejectedCount DEFAULT (0),
  -- loaded | unchanged | not-modified | failed | refused
  LastStatus     VARCHAR(20) NULL,
  LastError      VARCHAR(1000) NULL,
  LastAttemptAt  DATETIME2(3) NULL,
  LastSuccessAt  DATETIME2(3) NULL,
  -- When this provider's stored ranges last changed: IPs classified before it are classified again.
  ChangedAt      DATETIME2(3) NULL
);

-- Blocks that are not Public, non-overlapping (the same rows as IP_CLASS_RANGES in src/enrich/ipClass.ts).
CREATE TABLE PiXL.IpClassRange (
  StartAddress VARBINARY(16) NOT NULL CONSTRAINT PK_IpClassRange PRIMARY KEY CLUSTERED,
  EndAddress   VARBINARY(16) NOT NULL,
  IpClass      VARCHAR(20) NOT NULL,
  Cidr         VARCHAR(43) NOT NULL
);
GO

INSERT INTO PiXL.IpClassRange (StartAddress, EndAddress, IpClass, Cidr) VALUES
  (0x00000000000000000000000000000000, 0x00000000000000000000000000000000, 'Unspecified', '::/128'),
  (0x00000000000000000000000000000001, 0x00000000000000000000000000000001, 'Loopback', '::1/128'),
  (0x00000000000000000000ffff00000000, 0x00000000000000000000ffff00000000, 'Unspecified', '0.0.0.0/32'),
  (0x00000000000000000000ffff00000001, 0x00000000000000000000ffff00ffffff, 'Reserved', '0.0.0.0/8'),
  (0x00000000000000000000ffff0a000000, 0x00000000000000000000ffff0affffff, 'Private', '10.0.0.0/8'),
  (0x00000000000000000000ffff64400000, 0x00000000000000000000ffff647fffff, 'CGNAT', '100.64.0.0/10'),
  (0x00000000000000000000ffff7f000000, 0x00000000000000000000ffff7fffffff, 'Loopback', '127.0.0.0/8'),
  (0x00000000000000000000ffffa9fe0000, 0x00000000000000000000ffffa9feffff, 'LinkLocal', '169.254.0.0/16'),
  (0x00000000000000000000ffffac100000, 0x00000000000000000000ffffac1fffff, 'Private', '172.16.0.0/12'),
  (0x00000000000000000000ffffc0000000, 0x00000000000000000000ffffc00000ff, 'Reserved', '192.0.0.0/24'),
  (0x00000000000000000000ffffc0000200, 0x00000000000000000000ffffc00002ff, 'Documentation', '192.0.2.0/24'),
  (0x00000000000000000000ffffc0a80000, 0x00000000000000000000ffffc0a8ffff, 'Private', '192.168.0.0/16'),
  (0x00000000000000000000ffffc6120000, 0x00000000000000000000ffffc613ffff, 'Benchmark', '198.18.0.0/15'),
  (0x00000000000000000000ffffc6336400, 0x00000000000000000000ffffc63364ff, 'Documentation', '198.51.100.0/24'),
  (0x00000000000000000000ffffcb007100, 0x00000000000000000000ffffcb0071ff, 'Documentation', '203.0.113.0/24'),
  (0x00000000000000000000ffffe0000000, 0x00000000000000000000ffffefffffff, 'Multicast', '224.0.0.0/4'),
  (0x00000000000000000000fffff0000000, 0x00000000000000000000fffffffffffe, 'Reserved', '240.0.0.0/4'),
  (0x00000000000000000000ffffffffffff, 0x00000000000000000000ffffffffffff, 'Broadcast', '255.255.255.255/32'),
  (0x0064ff9b000000000000000000000000, 0x0064ff9b0000000000000000ffffffff, 'Reserved', '64:ff9b::/96'),
  (0x01000000000000000000000000000000, 0x0100000000000000ffffffffffffffff, 'Reserved', '100::/64'),
  (0x20010000000000000000000000000000, 0x20010000ffffffffffffffffffffffff, 'Reserved', '2001::/32'),
  (0x20010002000000000000000000000000, 0x200100020000ffffffffffffffffffff, 'Benchmark', '2001:2::/48'),
  (0x20010db8000000000000000000000000, 0x20010db8ffffffffffffffffffffffff, 'Documentation', '2001:db8::/32'),
  (0x20020000000000000000000000000000, 0x2002ffffffffffffffffffffffffffff, 'Reserved', '2002::/16'),
  (0x3fff0000000000000000000000000000, 0x3fff0fffffffffffffffffffffffffff, 'Documentation', '3fff::/20'),
  (0xfc000000000000000000000000000000, 0xfdffffffffffffffffffffffffffffff, 'Private', 'fc00::/7'),
  (0xfe800000000000000000000000000000, 0xfebfffffffffffffffffffffffffffff, 'LinkLocal', 'fe80::/10'),
  (0xff000000000000000000000000000000, 0xffffffffffffffffffffffffffffffff, 'Multicast', 'ff00::/8');
GO

-- The 16-byte key of an address as the capture stores it (IPv4 dotted, IPv6 RFC 5952 text; any hex case and
-- leading zeros are accepted); NULL when it is not one. An inline table-valued function, so a query over many
-- rows expands it in place (CROSS APPLY) instead of calling it per row. Step for step as ETL.IpToBinary on
-- PostgreSQL: character checks in a binary collation, TRY_ conversions, and group positions found only once
-- the text is known to hold exactly seven colons (SUBSTRING never sees a negative length).
CREATE FUNCTION ETL.IpToBinary (@ip VARCHAR(45))
RETURNS TABLE
AS
RETURN
SELECT IpBinary = CASE
    WHEN v.V4 = 1 THEN 0x00000000000000000000FFFF
      + CAST(TRY_CAST(g.P1 AS TINYINT) AS BINARY(1)) + CAST(TRY_CAST(g.P2 AS TINYINT) AS BINARY(1))
      + CAST(TRY_CAST(g.P3 AS TINYINT) AS BINARY(1)) + CAST(TRY_CAST(g.P4 AS TINYINT) AS BINARY(1))
    WHEN v.V6 = 1 THEN TRY_CONVERT(VARBINARY(16), CONCAT(
      RIGHT('000' + g.G1, 4), RIGHT('000' + g.G2, 4), RIGHT('000' + g.G3, 4), RIGHT('000' + g.G4, 4),
      RIGHT('000' + g.G5, 4), RIGHT('000' + g.G6, 4), RIGHT('000' + g.G7, 4), RIGHT('000' + g.G8, 4)), 2)
  END
FROM (SELECT Ip = @ip) AS i
CROSS APPLY (SELECT Ip2 = CASE WHEN LEFT(i.Ip, 2) = '::' THEN '0' ELSE '' END + i.Ip
  + CASE WHEN RIGHT(i.Ip, 2) = '::' THEN '0' ELSE '' END) AS a
CROSS APPLY (SELECT
  Colons = DATALENGTH(a.Ip2) - DATALENGTH(REPLACE(a.Ip2, ':', '')),
  Gaps = (DATALENGTH(a.Ip2) - DATALENGTH(REPLACE(a.Ip2, '::', ''))) / 2) AS b
-- X: the IPv6 text with "::" expanded to zero groups.
CROSS APPLY (SELECT X = CASE
    WHEN i.Ip COLLATE Latin1_General_BIN2 LIKE '%[^0-9a-fA-F:]%' OR CHARINDEX(':', i.Ip) = 0 THEN NULL
    WHEN b.Gaps = 0 THEN a.Ip2
    WHEN b.Gaps = 1 AND b.Colons <= 8 THEN REPLACE(a.Ip2, '::', ':' + REPLICATE('0:', 8 - b.Colons))
  END) AS c
-- ... kept only when it then has exactly 8 groups.
CROSS APPLY (SELECT X = CASE WHEN DATALENGTH(c.X) - DATALENGTH(REPLACE(c.X, ':', '')) = 7 THEN c.X END) AS e
CROSS APPLY (SELECT C1 = CHARINDEX(':', e.X)) AS c1
CROSS APPLY (SELECT C2 = CHARINDEX(':', e.X, c1.C1 + 1)) AS c2
CROSS APPLY (SELECT C3 = CHARINDEX(':', e.X, c2.C2 + 1)) AS c3
CROSS APPLY (SELECT C4 = CHARINDEX(':', e.X, c3.C3 + 1)) AS c4
CROSS APPLY (SELECT C5 = CHARINDEX(':', e.X, c4.C4 + 1)) AS c5
CROSS APPLY (SELECT C6 = CHARINDEX(':', e.X, c5.C5 + 1)) AS c6
CROSS APPLY (SELECT C7 = CHARINDEX(':', e.X, c6.C6 + 1)) AS c7
CROSS APPLY (SELECT
  -- Three dots and digits only: PARSENAME gives the four parts (NULL for an empty one).
  P1 = PARSENAME(i.Ip, 4), P2 = PARSENAME(i.Ip, 3), P3 = PARSENAME(i.Ip, 2), P4 = PARSENAME(i.Ip, 1),
  G1 = SUBSTRING(e.X, 1, c1.C1 - 1),
  G2 = SUBSTRING(e.X, c1.C1 + 1, c2.C2 - c1.C1 - 1),
  G3 = SUBSTRING(e.X, c2.C2 + 1, c3.C3 - c2.C2 - 1),
  G4 = SUBSTRING(e.X, c3.C3 + 1, c4.C4 - c3.C3 - 1),
  G5 = SUBSTRING(e.X, c4.C4 + 1, c5.C5 - c4.C4 - 1),
  G6 = SUBSTRING(e.X, c5.C5 + 1, c6.C6 - c5.C5 - 1),
  G7 = SUBSTRING(e.X, c6.C6 + 1, c7.C7 - c6.C6 - 1),
  G8 = SUBSTRING(e.X, c7.C7 + 1, 45)) AS g
CROSS APPLY (SELECT
  V4 = CASE WHEN i.Ip COLLATE Latin1_General_BIN2 NOT LIKE '%[^0-9.]%'
      AND DATALENGTH(i.Ip) - DATALENGTH(REPLACE(i.Ip, '.', '')) = 3
      AND LEN(g.P1) BETWEEN 1 AND 3 AND (g.P1 = '0' OR LEFT(g.P1, 1) <> '0') AND RIGHT('00' + g.P1, 3) <= '255'
      AND LEN(g.P2) BETWEEN 1 AND 3 AND (g.P2 = '0' OR LEFT(g.P2, 1) <> '0') AND RIGHT('00' + g.P2, 3) <= '255'
      AND LEN(g.P3) BETWEEN 1 AND 3 AND (g.P3 = '0' OR LEFT(g.P3, 1) <> '0') AND RIGHT('00' + g.P3, 3) <= '255'
      AND LEN(g.P4) BETWEEN 1 AND 3 AND (g.P4 = '0' OR LEFT(g.P4, 1) <> '0') AND RIGHT('00' + g.P4, 3) <= '255'
    THEN 1 ELSE 0 END,
  V6 = CASE WHEN e.X IS NOT NULL
      AND LEN(g.G1) BETWEEN 1 AND 4 AND LEN(g.G2) BETWEEN 1 AND 4 AND LEN(g.G3) BETWEEN 1 AND 4
      AND LEN(g.G4) BETWEEN 1 AND 4 AND LEN(g.G5) BETWEEN 1 AND 4 AND LEN(g.G6) BETWEEN 1 AND 4
      AND LEN(g.G7) BETWEEN 1 AND 4 AND LEN(g.G8) BETWEEN 1 AND 4
    THEN 1 ELSE 0 END) AS v;
GO

-- The class of a key (NULL = Invalid): the last class range starting at or before it, if it ends at or after
-- it; else Public. TOP (1) first, end check after, so the seek reads one row.
CREATE FUNCTION ETL.IpClassOf (@ip VARBINARY(16))
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

-- The provider holding a key: one seek per provider (ranges do not overlap within a provider); when two
-- providers list the address, the first by name.
CREATE FUNCTION ETL.DatacenterOf (@ip VARBINARY(16))
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

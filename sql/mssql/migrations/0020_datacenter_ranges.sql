-- Datacenter ranges per cloud provider, IP classes, and the functions that turn an address into its class and
-- provider. Addresses are 16-byte sortable keys: IPv6 as is, IPv4 as ::ffff:a.b.c.d, so one
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

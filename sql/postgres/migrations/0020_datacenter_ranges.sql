-- Datacenter ranges per cloud provider, IP classes, and the functions that turn an address into its class and
-- provider. Addresses are 16-byte sortable keys: IPv6 as is, IPv4 as ::ffff:a.b.c.d, so one bytea
-- column holds both families and bytea order (memcmp) is address order, as varbinary order is on SQL Server.

-- One provider's ranges, non-overlapping within the provider (nested published blocks are split; see
-- src/enrich/ranges/flatten.ts), so "the last range starting at or before the address" is one index seek.
CREATE TABLE "PiXL"."DatacenterRange" (
  "Provider"     varchar(20) NOT NULL,
  -- The published block the range comes from (a parent split around a child keeps its own block).
  "Cidr"         varchar(43) NOT NULL,
  "Family"       smallint NOT NULL,
  "StartAddress" bytea NOT NULL,
  "EndAddress"   bytea NOT NULL,
  "Region"       varchar(64),
  "Service"      varchar(64),
  "LoadedAt"     timestamp(3) NOT NULL,
  CONSTRAINT "PK_DatacenterRange" PRIMARY KEY ("Provider", "StartAddress") INCLUDE ("EndAddress"),
  CONSTRAINT "CK_DatacenterRange_Family" CHECK ("Family" IN (4, 6)),
  CONSTRAINT "CK_DatacenterRange_Keys" CHECK (
    octet_length("StartAddress") = 16 AND octet_length("EndAddress") = 16 AND "StartAddress" <= "EndAddress")
);

-- Per-provider refresh state. ETag / LastModified hold one validator per URL of the provider's setting, in
-- order, separated by newlines (Cloudflare publishes two files).
CREATE TABLE "ETL"."RangeRefresh" (
  "Provider"       varchar(20) NOT NULL CONSTRAINT "PK_RangeRefresh" PRIMARY KEY,
  "ETag"           varchar(2000),
  "LastModified"   varchar(2000),
  -- SHA-256 of the stored ranges: an identical download changes nothing (and re-classifies nothing).
  "ContentHash"    char(64),
  -- Rows stored / blocks in the file / entries rejected as not a block.
  "RangeCount"     int NOT NULL DEFAULT 0,
  "PublishedCount" int NOT NULL DEFAULT 0,
  "RejectedCount"  int NOT NULL DEFAULT 0,
  -- loaded | unchanged | not-modified | failed | refused
  "LastStatus"     varchar(20),
  "LastError"      varchar(1000),
  "LastAttemptAt"  timestamp(3),
  "LastSuccessAt"  timestamp(3),
  -- When this provider's stored ranges last changed: IPs classified before it are classified again.
  "ChangedAt"      timestamp(3)
);

-- Blocks that are not Public, non-overlapping (the same rows as IP_CLASS_RANGES in src/enrich/ipClass.ts).
CREATE TABLE "PiXL"."IpClassRange" (
  "StartAddress" bytea NOT NULL,
  "EndAddress"   bytea NOT NULL,
  "IpClass"      varchar(20) NOT NULL,
  "Cidr"         varchar(43) NOT NULL,
  CONSTRAINT "PK_IpClassRange" PRIMARY KEY ("StartAddress") INCLUDE ("EndAddress", "IpClass")
);

INSERT INTO "PiXL"."IpClassRange" ("StartAddress", "EndAddress", "IpClass", "Cidr") VALUES
  ('\x00000000000000000000000000000000', '\x00000000000000000000000000000000', 'Unspecified', '::/128'),
  ('\x00000000000000000000000000000001', '\x00000000000000000000000000000001', 'Loopback', '::1/128'),
  ('\x00000000000000000000ffff00000000', '\x00000000000000000000ffff00000000', 'Unspecified', '0.0.0.0/32'),
  ('\x00000000000000000000ffff00000001', '\x00000000000000000000ffff00ffffff', 'Reserved', '0.0.0.0/8'),
  ('\x00000000000000000000ffff0a000000', '\x00000000000000000000ffff0affffff', 'Private', '10.0.0.0/8'),
  ('\x00000000000000000000ffff64400000', '\x00000000000000000000ffff647fffff', 'CGNAT', '100.64.0.0/10'),
  ('\x00000000000000000000ffff7f000000', '\x00000000000000000000ffff7fffffff', 'Loopback', '127.0.0.0/8'),
  ('\x00000000000000000000ffffa9fe0000', '\x00000000000000000000ffffa9feffff', 'LinkLocal', '169.254.0.0/16'),
  ('\x00000000000000000000ffffac100000', '\x00000000000000000000ffffac1fffff', 'Private', '172.16.0.0/12'),
  ('\x00000000000000000000ffffc0000000', '\x00000000000000000000ffffc00000ff', 'Reserved', '192.0.0.0/24'),
  ('\x00000000000000000000ffffc0000200', '\x00000000000000000000ffffc00002ff', 'Documentation', '192.0.2.0/24'),
  ('\x00000000000000000000ffffc0a80000', '\x00000000000000000000ffffc0a8ffff', 'Private', '192.168.0.0/16'),
  ('\x00000000000000000000ffffc6120000', '\x00000000000000000000ffffc613ffff', 'Benchmark', '198.18.0.0/15'),
  ('\x00000000000000000000ffffc6336400', '\x00000000000000000000ffffc63364ff', 'Documentation', '198.51.100.0/24'),
  ('\x00000000000000000000ffffcb007100', '\x00000000000000000000ffffcb0071ff', 'Documentation', '203.0.113.0/24'),
  ('\x00000000000000000000ffffe0000000', '\x00000000000000000000ffffefffffff', 'Multicast', '224.0.0.0/4'),
  ('\x00000000000000000000fffff0000000', '\x00000000000000000000fffffffffffe', 'Reserved', '240.0.0.0/4'),
  ('\x00000000000000000000ffffffffffff', '\x00000000000000000000ffffffffffff', 'Broadcast', '255.255.255.255/32'),
  ('\x0064ff9b000000000000000000000000', '\x0064ff9b0000000000000000ffffffff', 'Reserved', '64:ff9b::/96'),
  ('\x01000000000000000000000000000000', '\x0100000000000000ffffffffffffffff', 'Reserved', '100::/64'),
  ('\x20010000000000000000000000000000', '\x20010000ffffffffffffffffffffffff', 'Reserved', '2001::/32'),
  ('\x20010002000000000000000000000000', '\x200100020000ffffffffffffffffffff', 'Benchmark', '2001:2::/48'),
  ('\x20010db8000000000000000000000000', '\x20010db8ffffffffffffffffffffffff', 'Documentation', '2001:db8::/32'),
  ('\x20020000000000000000000000000000', '\x2002ffffffffffffffffffffffffffff', 'Reserved', '2002::/16'),
  ('\x3fff0000000000000000000000000000', '\x3fff0fffffffffffffffffffffffffff', 'Documentation', '3fff::/20'),
  ('\xfc000000000000000000000000000000', '\xfdffffffffffffffffffffffffffffff', 'Private', 'fc00::/7'),
  ('\xfe800000000000000000000000000000', '\xfebfffffffffffffffffffffffffffff', 'LinkLocal', 'fe80::/10'),
  ('\xff000000000000000000000000000000', '\xffffffffffffffffffffffffffffffff', 'Multicast', 'ff00::/8');

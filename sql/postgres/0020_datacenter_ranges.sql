-- Datacenter ranges per cloud provider, IP classes, and the functions that turn an address into its class and
-- provider (issue 5). Addresses are 16-byte sortable keys: IPv6 as is, IPv4 as ::ffff:a.b.c.d, so one bytea
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

-- The 16-byte key of an address as the capture stores it (IPv4 dotted, IPv6 RFC 5952 text; any hex case and
-- leading zeros are accepted); NULL when it is not one. Written without regular expressions or casts that can
-- fail, step for step as ETL.IpToBinary on SQL Server, so both engines accept and reject the same texts.
CREATE FUNCTION "ETL"."IpToBinary"(ip varchar)
RETURNS TABLE ("IpBinary" bytea)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
    WHEN v.v4 THEN '\x00000000000000000000ffff'::bytea || decode(
      lpad(to_hex(v.p1::int), 2, '0') || lpad(to_hex(v.p2::int), 2, '0')
      || lpad(to_hex(v.p3::int), 2, '0') || lpad(to_hex(v.p4::int), 2, '0'), 'hex')
    WHEN v.v6 THEN decode(
      lpad(v.g1, 4, '0') || lpad(v.g2, 4, '0') || lpad(v.g3, 4, '0') || lpad(v.g4, 4, '0')
      || lpad(v.g5, 4, '0') || lpad(v.g6, 4, '0') || lpad(v.g7, 4, '0') || lpad(v.g8, 4, '0'), 'hex')
  END
FROM (
  SELECT g.*,
    g.ip !~ '[^0-9.]' AND length(g.ip) - length(replace(g.ip, '.', '')) = 3
      AND length(g.p1) BETWEEN 1 AND 3 AND (g.p1 = '0' OR left(g.p1, 1) <> '0') AND lpad(g.p1, 3, '0') COLLATE "C" <= '255'
      AND length(g.p2) BETWEEN 1 AND 3 AND (g.p2 = '0' OR left(g.p2, 1) <> '0') AND lpad(g.p2, 3, '0') COLLATE "C" <= '255'
      AND length(g.p3) BETWEEN 1 AND 3 AND (g.p3 = '0' OR left(g.p3, 1) <> '0') AND lpad(g.p3, 3, '0') COLLATE "C" <= '255'
      AND length(g.p4) BETWEEN 1 AND 3 AND (g.p4 = '0' OR left(g.p4, 1) <> '0') AND lpad(g.p4, 3, '0') COLLATE "C" <= '255'
      AS v4,
    g.x IS NOT NULL
      AND length(g.g1) BETWEEN 1 AND 4 AND length(g.g2) BETWEEN 1 AND 4 AND length(g.g3) BETWEEN 1 AND 4
      AND length(g.g4) BETWEEN 1 AND 4 AND length(g.g5) BETWEEN 1 AND 4 AND length(g.g6) BETWEEN 1 AND 4
      AND length(g.g7) BETWEEN 1 AND 4 AND length(g.g8) BETWEEN 1 AND 4
      AS v6
  FROM (
    SELECT e.ip, e.x,
      split_part(e.ip, '.', 1) AS p1, split_part(e.ip, '.', 2) AS p2,
      split_part(e.ip, '.', 3) AS p3, split_part(e.ip, '.', 4) AS p4,
      split_part(e.x, ':', 1) AS g1, split_part(e.x, ':', 2) AS g2, split_part(e.x, ':', 3) AS g3,
      split_part(e.x, ':', 4) AS g4, split_part(e.x, ':', 5) AS g5, split_part(e.x, ':', 6) AS g6,
      split_part(e.x, ':', 7) AS g7, split_part(e.x, ':', 8) AS g8
    FROM (
      -- x: the IPv6 text with "::" expanded to zero groups, kept only when it then has exactly 8 groups.
      SELECT c.ip, CASE WHEN length(c.x) - length(replace(c.x, ':', '')) = 7 THEN c.x END AS x
      FROM (
        SELECT b.ip, CASE
            WHEN b.ip ~ '[^0-9a-fA-F:]' OR strpos(b.ip, ':') = 0 THEN NULL
            WHEN b.gaps = 0 THEN b.ip2
            WHEN b.gaps = 1 AND b.colons <= 8 THEN replace(b.ip2, '::', ':' || repeat('0:', 8 - b.colons))
          END AS x
        FROM (
          SELECT a.ip, a.ip2,
            length(a.ip2) - length(replace(a.ip2, ':', '')) AS colons,
            (length(a.ip2) - length(replace(a.ip2, '::', ''))) / 2 AS gaps
          FROM (
            SELECT ip::text AS ip,
              CASE WHEN left(ip, 2) = '::' THEN '0' ELSE '' END || ip
                || CASE WHEN right(ip, 2) = '::' THEN '0' ELSE '' END AS ip2
          ) a
        ) b
      ) c
    ) e
  ) g
) v
$$;

-- The class of a key (NULL = Invalid): the last class range starting at or before it, if it ends at or after
-- it; else Public. TOP 1 first, end check after, so the seek reads one row.
CREATE FUNCTION "ETL"."IpClassOf"(ip bytea)
RETURNS TABLE ("IpClass" varchar(20))
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT CAST(CASE
    WHEN ip IS NULL THEN 'Invalid'
    ELSE COALESCE((
      SELECT c."IpClass"
      FROM (SELECT r."EndAddress", r."IpClass" FROM "PiXL"."IpClassRange" r
            WHERE r."StartAddress" <= ip ORDER BY r."StartAddress" DESC LIMIT 1) c
      WHERE c."EndAddress" >= ip), 'Public')
  END AS varchar(20))
$$;

-- The provider holding a key: one seek per provider (ranges do not overlap within a provider); when two
-- providers list the address, the first by name.
CREATE FUNCTION "ETL"."DatacenterOf"(ip bytea)
RETURNS TABLE ("Provider" varchar(20), "Cidr" varchar(43), "Region" varchar(64), "Service" varchar(64))
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT r."Provider", r."Cidr", r."Region", r."Service"
FROM "ETL"."RangeRefresh" p
CROSS JOIN LATERAL (
  SELECT d."Provider", d."Cidr", d."Region", d."Service", d."EndAddress"
  FROM "PiXL"."DatacenterRange" d
  WHERE d."Provider" = p."Provider" AND d."StartAddress" <= ip
  ORDER BY d."StartAddress" DESC
  LIMIT 1
) r
WHERE r."EndAddress" >= ip
ORDER BY p."Provider" COLLATE "C"
LIMIT 1
$$;

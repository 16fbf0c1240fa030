-- Fills PiXL.IP.IpType / IsDatacenter / DatacenterProvider in the ETL, from the class ranges and the
-- datacenter ranges of 0020. IpBinary caches the address's 16-byte key (computed once, by ETL.IpToBinary);
-- ClassifiedAt says when the row was classified: rows never classified (the default) and rows classified at
-- or before the last change of any provider's ranges (ETL.RangeRefresh.ChangedAt) are classified again.
ALTER TABLE "PiXL"."IP"
  ADD COLUMN "IpBinary" bytea,
  ADD COLUMN "ClassifiedAt" timestamp(3) NOT NULL DEFAULT '1900-01-01';

CREATE INDEX "IX_IP_ClassifiedAt" ON "PiXL"."IP" ("ClassifiedAt", "IpId");

-- Fills PiXL.IP.IpType / IsDatacenter / DatacenterProvider in the ETL, from the class ranges and the
-- datacenter ranges of 0020. IpBinary caches the address's 16-byte key (computed once, by ETL.IpToBinary);
-- ClassifiedAt says when the row was classified: rows never classified (the default) and rows classified at
-- or before the last change of any provider's ranges (ETL.RangeRefresh.ChangedAt) are classified again.
ALTER TABLE PiXL.IP ADD
  IpBinary VARBINARY(16) NULL,
  ClassifiedAt DATETIME2(3) NOT NULL CONSTRAINT DF_IP_ClassifiedAt DEFAULT ('19000101');
GO

CREATE NONCLUSTERED INDEX IX_IP_ClassifiedAt ON PiXL.IP (ClassifiedAt, IpId);
GO

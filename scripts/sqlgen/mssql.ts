/**
 * T-SQL text of the generated parse migration: PiXL.Parsed and ETL.usp_ParseNewHits, behaving as the
 * PostgreSQL version does (test/etl.conformance.test.ts runs the same fixtures on both).
 *
 * Typing is written inline (a scalar UDF would run once per row): a guard that accepts exactly the texts the
 * PostgreSQL helpers accept, then TRY_CAST for the range. Guards compare in a BIN2 collation (no locale
 * digits, no width folding) and append a character before LIKE, because LIKE ignores trailing spaces.
 * Strings are cut to n characters (code points) with LEFT under an _SC collation; an NVARCHAR column holds
 * UTF-16 code units, so a column of n characters is NVARCHAR(2n) (MAX beyond 4000).
 */
import { quoteIdent } from '../../src/db/mssql/sql.js';
import { SIGNAL_COLUMNS } from '../../src/enrich/signals.js';
import { bucketProcessName, numberingProcessName, PARSE_BUCKETS } from '../../src/etl/lanes.js';
import { DEVICE_COLUMNS, DEVICE_HASH_COLUMNS, type Field, type SqlType } from '../../src/warehouse/fields.js';
import {
  bucketOfTsql,
  numberBatchTsql,
  parseBucketOfTsql,
  pruneSignalStateTsql,
  signalJoinsTsql,
  signalParametersTsql,
  signalStatementsTsql,
  signalValuesTsql,
} from './mssqlSignals.js';
import { mssqlBatchOptOut, mssqlPersonHashes, mssqlVisitJoins } from './privacy.js';
import { type EngineSql, isComputed } from './types.js';

const b = quoteIdent;
const BIN2 = 'Latin1_General_100_BIN2';
const SC = 'Latin1_General_100_CI_AS_SC';

export function nvarcharFor(chars: number): string {
  return chars * 2 <= 4000 ? `NVARCHAR(${chars * 2})` : 'NVARCHAR(MAX)';
}

function columnType(t: SqlType): string {
  switch (t.kind) {
    case 'bit':
      return 'BIT';
    case 'int':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'decimal':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'varchar':
      return nvarcharFor(t.length);
  }
}

/** Texts made only of digits and `allowed` signs, with at least one digit and at most 30 characters. */
function numberGuard(v: string, signs: string): string {
  return `LEN(${v}) <= 30 AND ${v} LIKE N'%[0-9]%' AND TRANSLATE(${v} COLLATE ${BIN2}, N'${signs}', N'${'0'.repeat(signs.length)}') + N'0' NOT LIKE N'%[^0-9]%'`;
}

export function typedTsql(t: SqlType, v: string): string {
  switch (t.kind) {
    case 'bit':
      return `CAST(CASE LOWER(${v}) COLLATE ${BIN2} + N'|' WHEN N'1|' THEN 1 WHEN N'true|' THEN 1 WHEN N'0|' THEN 0 WHEN N'false|' THEN 0 END AS BIT)`;
    case 'int':
      return `CASE WHEN ${numberGuard(v, '+-')} THEN TRY_CAST(${v} AS INT) END`;
    case 'bigint':
      return `CASE WHEN ${numberGuard(v, '+-')} THEN TRY_CAST(${v} AS BIGINT) END`;
    case 'decimal':
      return `CASE WHEN ${numberGuard(v, '+-.')} THEN TRY_CAST(${v} AS DECIMAL(${t.precision}, ${t.scale})) END`;
    case 'varchar':
      return `CAST(LEFT(${v} COLLATE ${SC}, ${t.length}) AS ${nvarcharFor(t.length)})`;
  }
}

function addColumns(fields: readonly Field[]): string {
  return `${fields.map((f) => `ALTER TABLE PiXL.Parsed ADD ${b(f.column)} ${columnType(f.sqlType)} NULL;`).join('\n')}\nGO\n`;
}

/**
 * Checks @Lane/@Lanes, creates #lane, begins the transaction, takes the shared lock of the parse (erasure and
 * retention hold it exclusively) and each of this lane's buckets' application lock and watermark row (named
 * `processName` of the bucket), or rolls back and returns `busy` at once when another caller holds one. Sets
 * #lane's positions, @lastVersion (the lowest of them) and @horizon.
 */
function takeBucketsTsql(processName: (bucket: number) => string, busy: string): string {
  return `  IF @Lanes IS NULL OR @Lanes < 1 OR @Lanes > ${PARSE_BUCKETS} OR @Lane IS NULL OR @Lane < 0 OR @Lane >= @Lanes
    THROW 50010, 'Lane is not a parse lane of Lanes (Lanes 1 to ${PARSE_BUCKETS}, Lane 0 to Lanes - 1)', 1;

  CREATE TABLE #lane (Bucket INT NOT NULL PRIMARY KEY, ProcessName VARCHAR(50) COLLATE DATABASE_DEFAULT NOT NULL, LastVersion BINARY(8) NOT NULL);
  BEGIN TRANSACTION;
  EXEC @lock = sp_getapplock @Resource = N'ETL.usp_ParseNewHits', @LockMode = N'Shared',
    @LockOwner = N'Transaction', @LockTimeout = 0;
  IF @lock < 0 SET @busy = 1;
  WHILE @busy = 0 AND @bucket < ${PARSE_BUCKETS}
  BEGIN
    IF @bucket % @Lanes = @Lane
    BEGIN
      SET @bucketName = CONCAT('${processName(0).slice(0, -2)}', RIGHT(CONCAT('0', @bucket), 2));
      EXEC @lock = sp_getapplock @Resource = @bucketName, @LockMode = N'Exclusive', @LockOwner = N'Transaction',
        @LockTimeout = 0;
      IF @lock < 0 SET @busy = 1;
      INSERT INTO #lane (Bucket, ProcessName, LastVersion) VALUES (@bucket, @bucketName, 0x0000000000000000);
    END;
    SET @bucket += 1;
  END;
  IF @busy = 1
  BEGIN
    ROLLBACK TRANSACTION;
    ${busy};
    RETURN;
  END;

  -- The migrations add every bucket's row (0054, 0085); one missing starts from the beginning (rows done already
  -- are skipped by key), never from a position that could pass over a row.
  INSERT INTO ETL.Watermark (ProcessName)
  SELECT l.ProcessName FROM #lane l
  WHERE NOT EXISTS (SELECT 1 FROM ETL.Watermark w WITH (UPDLOCK, HOLDLOCK) WHERE w.ProcessName = l.ProcessName);
  UPDATE l SET LastVersion = w.LastVersion
  FROM #lane l JOIN ETL.Watermark w WITH (UPDLOCK, HOLDLOCK) ON w.ProcessName = l.ProcessName;
  SELECT @lastVersion = MIN(LastVersion) FROM #lane;
  -- Every transaction that could still commit a row below it has ended.
  SET @horizon = MIN_ACTIVE_ROWVERSION();
  SET @upTo = CAST(CAST(@horizon AS BIGINT) - 1 AS BINARY(8));
`;
}

/** Locals of a procedure that takes its lane's buckets (takeBucketsTsql) and advances them (advanceBucketsTsql). */
const bucketLocalsTsql = `@lock INT, @lastVersion BINARY(8), @horizon BINARY(8), @upTo BINARY(8), @rows INT = 0,
    @fromId BIGINT, @toId BIGINT, @lastRowVer BINARY(8), @lastRowId BIGINT, @bucket INT = 0, @bucketName VARCHAR(50),
    @busy BIT = 0`;

/**
 * Every bucket of this lane has been read up to the batch's last row (#batch), or, when the batch was short, up to
 * @upTo (a bucket without traffic moves too, so the lowest position keeps up).
 */
const advanceBucketsTsql = `  SELECT TOP (1) @lastRowVer = RowVer, @lastRowId = Id FROM #batch ORDER BY RowVer DESC;
  SELECT @rows = COUNT(*), @fromId = MIN(Id), @toId = MAX(Id) FROM #batch;
  UPDATE w SET
    LastVersion = CASE WHEN @rows >= @BatchSize THEN @lastRowVer ELSE @upTo END,
    LastVersionId = CASE WHEN @rows >= @BatchSize THEN @lastRowId ELSE 0 END,
    LastProcessedId = GREATEST(w.LastProcessedId, COALESCE(@toId, 0)),
    LastRunAt = SYSUTCDATETIME()
  FROM ETL.Watermark w
  JOIN #lane l ON l.ProcessName = w.ProcessName
  WHERE w.LastVersion < CASE WHEN @rows >= @BatchSize THEN @lastRowVer ELSE @upTo END;
`;

/** ETL.usp_NumberSignals: as on PostgreSQL (scripts/sqlgen/postgres.ts numbering). */
function numbering(fields: readonly Field[]): string {
  const nothingTaken =
    'SELECT 0 AS RowsNumbered, CAST(NULL AS BIGINT) AS FromId, CAST(NULL AS BIGINT) AS ToId';
  return `-- Adds the next batch of committed raw hits of one lane to the behaviour signals' look-back (ETL.SignalHit),
-- each with the running count of its address's and its /24's hits, and drops look-back rows no window reaches
-- any more; ETL.usp_ParseNewHits parses only rows numbered here. A raw row belongs to one of ${PARSE_BUCKETS} buckets by its
-- network (the IPv4 /24, else the address), and lane @Lane of @Lanes takes the buckets b with b % @Lanes = @Lane,
-- so a network's running counts are one caller's at a time (src/etl/lanes.ts runs one caller for all of them).
-- Each bucket has its watermark row ('${numberingProcessName(0)}'…) and application lock, taken as the parse takes its
-- own; rows are taken in RowVer order below MIN_ACTIVE_ROWVERSION(), so none is passed over. A batch numbered
-- again adds nothing. With @Enrich = 0 nothing is numbered and the buckets move to the horizon.
CREATE OR ALTER PROCEDURE ETL.usp_NumberSignals @BatchSize INT = 10000, @Lane INT = 0, @Lanes INT = 1,
  ${signalParametersTsql()}
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  -- As in ETL.usp_ParseNewHits: a caller under SNAPSHOT would read stale watermarks.
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  DECLARE ${bucketLocalsTsql};
${takeBucketsTsql(numberingProcessName, nothingTaken)}
  -- RowVer as BINARY(8): SELECT INTO would otherwise make a rowversion column that stamps new values. ParamsJson
  -- only for a row landed before the writer's fingerprint hash (numberBatchTsql).
  SELECT TOP (CASE WHEN @Enrich = 1 THEN @BatchSize ELSE 0 END) t.Id, CAST(t.RowVer AS BINARY(8)) AS RowVer,
    t.IPAddress, t.ReceivedAt, t.FpHash, CAST(t.ClientParamsJson AS NVARCHAR(MAX)) AS ClientParamsJson,
    CASE WHEN t.ClientParamsJson IS NULL THEN CAST(t.ParamsJson AS NVARCHAR(MAX)) END AS ParamsJson
  INTO #batch
  FROM PiXL.Test t
  CROSS APPLY (SELECT ${bucketOfTsql('t.IPAddress')} AS Bucket) k
  JOIN #lane l ON l.Bucket = k.Bucket
  WHERE t.RowVer > @lastVersion AND t.RowVer <= @upTo AND t.RowVer > l.LastVersion
  ORDER BY t.RowVer;

${numberBatchTsql(fields, (f, v) => typedTsql(f.sqlType, v))}
${advanceBucketsTsql}  IF @Enrich = 1
  BEGIN
${pruneSignalStateTsql((ip) => `${bucketOfTsql(ip)} % @Lanes = @Lane`)}  END;
  COMMIT TRANSACTION;

  SELECT @rows AS RowsNumbered, @fromId AS FromId, @toId AS ToId;
END;
GO
`;
}

function procedure(fields: readonly Field[]): string {
  // Computed columns never read the client's key: a client could send `_srv_rapidFire=0` itself.
  const parsedFields = fields.filter((f) => !isComputed(f));
  const computed = signalValuesTsql('v.[BotScore]');
  const computedColumns = [
    ...fields.filter((f) => isComputed(f)).map((f) => f.column),
    ...SIGNAL_COLUMNS.map((c) => c.column),
  ];
  if (!parsedFields.some((f) => f.key === 'botScore')) throw new Error('IsLikelyBot needs botScore');
  const contextColumns = [
    'SourceId',
    'CompanyID',
    'PiXLID',
    'IPAddress',
    'ReceivedAt',
    'RequestPath',
    'ServerUserAgent',
    'ServerReferer',
  ];
  const parsedColumns = [...contextColumns, ...parsedFields.map((f) => f.column), ...computedColumns].map(b);
  const withColumns = parsedFields.map((f) => `${b(f.column)} NVARCHAR(MAX) '$."${f.key}"'`);
  const typedValues = parsedFields.map(
    (f) => `${typedTsql(f.sqlType, `j.${b(f.column)}`)} AS ${b(f.column)}`,
  );
  const computedValues = computedColumns.map((c) => `\n    ${computed[c] ?? 'NULL'} AS ${b(c)},`).join('');
  const hashParts = DEVICE_HASH_COLUMNS.map((c) => `v.${b(c)}`).join(', ');
  const device = DEVICE_COLUMNS.map(b);
  return `-- Parses the next batch of committed raw hits of one lane into PiXL.Parsed, Device, IP and Visit in one
-- transaction. A raw row belongs to one of ${PARSE_BUCKETS} buckets by its Id, and lane @Lane of @Lanes takes the buckets b
-- with b % @Lanes = @Lane (src/etl/lanes.ts); one lane of one takes them all. Each bucket has its watermark row
-- ('ParseNewHits:00'…) and application lock: a caller whose buckets another caller holds returns at once with
-- RowsParsed 0, and erasure or retention (exclusive holders of the shared lock) keep every lane out. A raw row is
-- taken only below MIN_ACTIVE_ROWVERSION() (every transaction that could still commit an older row has ended)
-- and, with the signals on, once ETL.usp_NumberSignals has added it to their look-back, in RowVer order after its
-- bucket's watermark, so a row whose Id committed late is never passed over. Inserts skip SourceIds/VisitIDs
-- already present, and Device/IP counts come only from rows inserted now, so re-running a batch changes nothing.
-- Lanes never touch the same Parsed or Visit rows and only read ETL.SignalHit; two lanes sharing a Device or IP
-- row may deadlock, and the victim's batch is run again (src/etl/lanes.ts).
CREATE OR ALTER PROCEDURE ETL.usp_ParseNewHits @BatchSize INT = 10000, @Lane INT = 0, @Lanes INT = 1,
  ${signalParametersTsql()}
AS
BEGIN
  SET NOCOUNT ON;
  SET XACT_ABORT ON;
  -- A caller under SNAPSHOT would read a stale version of the watermark and of the rows behind it; the
  -- level set here lasts until the procedure returns.
  SET TRANSACTION ISOLATION LEVEL READ COMMITTED;
  DECLARE ${bucketLocalsTsql}, @devices INT = 0, @ips INT = 0, @visits INT = 0, @numbered BINARY(8);
${takeBucketsTsql(
  bucketProcessName,
  `SELECT 0 AS RowsParsed, CAST(NULL AS BIGINT) AS FromId, CAST(NULL AS BIGINT) AS ToId,
      0 AS DevicesUpserted, 0 AS IPsUpserted, 0 AS VisitsInserted`,
)}
  IF @Enrich = 1
  BEGIN
    -- Only rows whose signals are numbered (ETL.usp_NumberSignals): up to the lowest of its buckets' positions;
    -- from the beginning while one of them is missing.
    SELECT @numbered = CASE WHEN COUNT(*) >= ${PARSE_BUCKETS} THEN MIN(w.LastVersion) ELSE 0x0000000000000000 END
    FROM ETL.Watermark w WHERE w.ProcessName LIKE '${numberingProcessName(0).slice(0, -2)}%';
    IF @numbered < @upTo SET @upTo = @numbered;
  END;

  -- RowVer as BINARY(8): SELECT INTO would otherwise make a rowversion column that stamps new values.
  SELECT TOP (@BatchSize) t.Id, CAST(t.RowVer AS BINARY(8)) AS RowVer, t.CompanyID, t.PiXLID, t.IPAddress, t.ReceivedAt, t.RequestPath,
    t.UserAgent, t.Referer, t.IsKnownBot, CAST(t.ParamsJson AS NVARCHAR(MAX)) AS ParamsJson,
    CAST(t.ClientParamsJson AS NVARCHAR(MAX)) AS ClientParamsJson, t.FpHash,
    ${mssqlBatchOptOut}
  INTO #batch
  FROM PiXL.Test t
  CROSS APPLY (SELECT ${parseBucketOfTsql('t.Id')} AS Bucket) k
  JOIN #lane l ON l.Bucket = k.Bucket
  WHERE t.RowVer > @lastVersion AND t.RowVer <= @upTo AND t.RowVer > l.LastVersion
  ORDER BY t.RowVer;

${signalStatementsTsql()}
  SELECT bt.Id AS SourceId, bt.CompanyID, bt.PiXLID,
    -- Addresses compare as bytes, as in PostgreSQL (and PiXL.IP.IPAddress has this collation).
    bt.IPAddress COLLATE ${BIN2} AS IPAddress, bt.ReceivedAt, bt.RequestPath,
    bt.UserAgent AS ServerUserAgent, bt.Referer AS ServerReferer, v.*,${computedValues}
    -- BINARY(32), PiXL.Device.DeviceHash's type: HASHBYTES returns VARBINARY(8000), and #parsed takes its type.
    CASE WHEN COALESCE(${hashParts}) IS NOT NULL
      THEN CAST(HASHBYTES('SHA2_256', CONVERT(VARCHAR(MAX), CONCAT_WS(N'|', ${hashParts}) COLLATE Latin1_General_100_CI_AS_SC_UTF8)) AS BINARY(32))
    END AS DeviceHash,
    cp.ClientParamsJson,
    -- The one normalised email (sql/mssql/migrations/0030_autoconsumer.sql), cut to the column's 200 characters.
    CAST(LEFT(PiXL.NormaliseEmail(ce.Email) COLLATE ${SC}, 200) AS NVARCHAR(400)) AS MatchEmail
  INTO #parsed
  FROM #batch bt
  CROSS APPLY OPENJSON(bt.ParamsJson) WITH (
    ${withColumns.join(',\n    ')}
  ) j
  CROSS APPLY (SELECT
    ${typedValues.join(',\n    ')}
  ) v
  -- The client params are the writer's ClientParamsJson (src/writer/hitRows.ts); only a row landed before that
  -- column (NULL) has them collected from the \`_cp_\` keys of ParamsJson, an OPENJSON over every key.
  CROSS APPLY (SELECT CASE WHEN bt.ClientParamsJson IS NOT NULL THEN NULLIF(bt.ClientParamsJson, N'{}') ELSE (
    -- STRING_AGG + STRING_ESCAPE rather than JSON_OBJECTAGG (still a preview feature on SQL Server 2025);
    -- no matching key gives NULL, as jsonb_object_agg does on PostgreSQL. Keys in jsonb's order (UTF-8 length,
    -- then bytes), as the writer orders them, so both engines list them alike. Every value is a string: query
    -- parameters have no nulls.
    SELECT N'{' + STRING_AGG(CAST(N'"' + STRING_ESCAPE(SUBSTRING(o.[key], 5, 4000), 'json') + N'":"'
      + STRING_ESCAPE(o.[value], 'json') + N'"' AS NVARCHAR(MAX)), N',')
      WITHIN GROUP (ORDER BY DATALENGTH(CONVERT(VARCHAR(8000), o.[key] COLLATE Latin1_General_100_BIN2_UTF8)),
        o.[key] COLLATE ${BIN2}) + N'}'
    FROM OPENJSON(bt.ParamsJson) o
    WHERE LEFT(o.[key], 4) COLLATE ${BIN2} = N'_cp_' AND DATALENGTH(o.[key]) > 8) END AS ClientParamsJson
  ) cp
  OUTER APPLY OPENJSON(cp.ClientParamsJson) WITH (Email NVARCHAR(MAX) '$.email') ce${signalJoinsTsql()}
  WHERE NOT EXISTS (SELECT 1 FROM PiXL.Parsed x WHERE x.SourceId = bt.Id);

  INSERT INTO PiXL.Parsed (
    ${parsedColumns.join(', ')}
  )
  SELECT
    ${parsedColumns.join(', ')}
  FROM #parsed;

  SELECT p.DeviceHash, MIN(p.ReceivedAt) AS FirstSeen, MAX(p.ReceivedAt) AS LastSeen, COUNT_BIG(*) AS HitCount,
    MIN(p.SourceId) AS FirstSourceId
  INTO #devices
  FROM #parsed p
  WHERE p.DeviceHash IS NOT NULL
  GROUP BY p.DeviceHash;
  SET @devices = @@ROWCOUNT;

  -- New devices first, with their counts at 0, under a key-range lock: a lane running beside this one that
  -- adds the same device waits for this commit and then finds it; the update below adds every count.
  INSERT INTO PiXL.Device (DeviceHash, ${device.join(', ')}, FirstSeen, LastSeen, HitCount)
  SELECT n.DeviceHash, ${device.map((c) => `p.${c}`).join(', ')}, n.FirstSeen, n.LastSeen, 0
  FROM #devices n
  JOIN #parsed p ON p.SourceId = n.FirstSourceId
  WHERE NOT EXISTS (SELECT 1 FROM PiXL.Device d WITH (UPDLOCK, HOLDLOCK) WHERE d.DeviceHash = n.DeviceHash);

  UPDATE d SET
    FirstSeen = LEAST(d.FirstSeen, n.FirstSeen),
    LastSeen = GREATEST(d.LastSeen, n.LastSeen),
    HitCount = d.HitCount + n.HitCount
  FROM PiXL.Device d
  JOIN #devices n ON n.DeviceHash = d.DeviceHash;

  SELECT p.IPAddress, MIN(p.ReceivedAt) AS FirstSeen, MAX(p.ReceivedAt) AS LastSeen, COUNT_BIG(*) AS HitCount
  INTO #ips
  FROM #parsed p
  WHERE p.IPAddress IS NOT NULL
  GROUP BY p.IPAddress;
  SET @ips = @@ROWCOUNT;

  -- As devices: new addresses first at 0 under a key-range lock (a lane beside this one may add the same), then
  -- every count.
  INSERT INTO PiXL.IP (IPAddress, FirstSeen, LastSeen, HitCount)
  SELECT n.IPAddress, n.FirstSeen, n.LastSeen, 0
  FROM #ips n
  WHERE NOT EXISTS (SELECT 1 FROM PiXL.IP i WITH (UPDLOCK, HOLDLOCK) WHERE i.IPAddress = n.IPAddress);

  UPDATE i SET
    FirstSeen = LEAST(i.FirstSeen, n.FirstSeen),
    LastSeen = GREATEST(i.LastSeen, n.LastSeen),
    HitCount = i.HitCount + n.HitCount
  FROM PiXL.IP i
  JOIN #ips n ON n.IPAddress = i.IPAddress;

  INSERT INTO PiXL.Visit (VisitID, CompanyID, PiXLID, DeviceId, IpId, ReceivedAt, ClientParamsJson, MatchEmail,
    PrivacyOptOut, EmailSha256, MatchHid)
  SELECT p.SourceId, p.CompanyID, p.PiXLID, d.DeviceId, i.IpId, p.ReceivedAt,
    CASE WHEN bt.OptOut = 0 THEN CAST(p.ClientParamsJson AS JSON) END, CASE WHEN bt.OptOut = 0 THEN p.MatchEmail END,
    bt.OptOut,
${mssqlPersonHashes}
  FROM #parsed p
${mssqlVisitJoins}
  LEFT JOIN PiXL.Device d ON d.DeviceHash = p.DeviceHash
  LEFT JOIN PiXL.IP i ON i.IPAddress = p.IPAddress
  WHERE NOT EXISTS (SELECT 1 FROM PiXL.Visit x WHERE x.VisitID = p.SourceId)
  -- MatchSeq (IDENTITY) is given in this order, the raw rows' Id order, as on PostgreSQL.
  ORDER BY p.SourceId;
  SET @visits = @@ROWCOUNT;

${advanceBucketsTsql}  -- Hits of erased people that landed after the erasure go now, raw row included, before any other step reads
  -- them (PiXL.ErasureSuppression; sql/mssql/objects/ETL.usp_EraseSuppressed.sql). The range may hold other
  -- lanes' visits too: erasing theirs is as right. Matching checks its batch again.
  IF @visits > 0 AND EXISTS (SELECT 1 FROM PiXL.ErasureSuppression)
  BEGIN
    DECLARE @eraseAfterSeq BIGINT, @eraseUpToSeq BIGINT;
    SELECT @eraseAfterSeq = MIN(v.MatchSeq) - 1, @eraseUpToSeq = MAX(v.MatchSeq)
    FROM PiXL.Visit AS v WHERE v.VisitID BETWEEN @fromId AND @toId;
    EXEC ETL.usp_EraseSuppressed @AfterSeq = @eraseAfterSeq, @UpToSeq = @eraseUpToSeq;
  END;
  -- The summary row, last: lanes running at once update it one after the other, each waiting only for the
  -- other's commit. Its position is the lowest of the buckets' (every row before it is parsed): what erasure and
  -- the health view read.
  UPDATE w SET
    LastVersion = COALESCE(m.LastVersion, w.LastVersion),
    LastVersionId = COALESCE(m.LastVersionId, w.LastVersionId),
    LastProcessedId = GREATEST(w.LastProcessedId, COALESCE(@toId, 0)),
    RowsProcessed = w.RowsProcessed + @rows,
    LastBatchRows = @rows,
    LastRunAt = SYSUTCDATETIME()
  FROM ETL.Watermark w
  OUTER APPLY (
    SELECT TOP (1) x.LastVersion, x.LastVersionId FROM ETL.Watermark x
    WHERE x.ProcessName LIKE '${bucketProcessName(0).slice(0, -2)}%'
    ORDER BY x.LastVersion, x.LastVersionId
  ) m
  WHERE w.ProcessName = 'ParseNewHits';
  COMMIT TRANSACTION;

  SELECT @rows AS RowsParsed, @fromId AS FromId, @toId AS ToId,
    @devices AS DevicesUpserted, @ips AS IPsUpserted, @visits AS VisitsInserted;
END;
GO
`;
}

export const mssqlSql: EngineSql = {
  engine: 'mssql',
  addColumns,
  procedure,
  numbering,
};

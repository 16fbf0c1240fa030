/**
 * The contract every database engine implements (Kysely-style: one folder per engine, same file names,
 * the caller is handed an engine and never switches on its name).
 */
import type { DatabaseEngine } from '../config.js';
import type { PrivacyRow } from '../privacy/settings.js';

/** One row of PiXL.Test as the writer lands it. */
export interface HitRow {
  hitId: string;
  hitType: string;
  companyId: string;
  pixelId: string;
  ipAddress: string | null;
  requestPath: string;
  /**
   * The raw query string, only when paramsJson and clientParamsJson do not hold all of it (src/writer/hitRows.ts decodeParams:
   * a repeated key, a malformed escape, characters neither engine stores); otherwise null.
   */
  queryString: string | null;
  queryTruncated: boolean;
  /** JSON object text of the decoded query-string parameters, client params excepted. */
  paramsJson: string;
  /**
   * JSON object text of the client params (`_cp_<name>` keyed by `<name>`), `{}` when none. In PiXL.Test, NULL
   * marks a row landed before the column existed, whose client params are the `_cp_` keys of ParamsJson.
   */
  clientParamsJson: string;
  /**
   * SHA-256 of the composite fingerprint (src/writer/fingerprintHash.ts), null when the hit has none. Meaningful
   * only beside a ClientParamsJson: the parse computes it from ParamsJson for rows landed before both columns.
   */
  fpHash: Buffer | null;
  /** JSON object text of the captured request headers. */
  headersJson: string;
  userAgent: string | null;
  referer: string | null;
  receivedAt: Date;
  /** The User-Agent is on a known bot list (isbot), decided at write time: its patterns are JavaScript regexes. */
  isKnownBot: boolean;
}

/**
 * How long a pooled connection may sit idle before the pool closes it: longer than the ETL timer's interval
 * (every minute by default), so each tick's parse runs on the connections of the tick before. A fresh
 * PostgreSQL backend faults in every shared-buffer page it touches and rebuilds its caches: on a 2-core VM a
 * two-lane pass on fresh backends took ~1.9 page faults and ~40 % more server CPU a row (docs/PERFORMANCE.md
 * "About the table of 13:12"); a SQL Server login costs a TLS handshake.
 */
export const POOL_IDLE_TIMEOUT_MS = 5 * 60_000;

export type Row = Record<string, unknown>;

/** One stored range of PiXL.DatacenterRange (16-byte sortable keys, IPv4 as ::ffff:a.b.c.d). */
export interface DatacenterRangeRow {
  cidr: string;
  family: 4 | 6;
  start: Buffer;
  end: Buffer;
  region: string | null;
  service: string | null;
}

/** A provider's new ranges and the refresh state stored with them (ETL.RangeRefresh). */
export interface DatacenterRangeLoad {
  provider: string;
  ranges: readonly DatacenterRangeRow[];
  etag: string | null;
  lastModified: string | null;
  contentHash: string;
  publishedCount: number;
  rejectedCount: number;
}

/** A column of a bulk load: its name and how to send values (strings are sent as Unicode text). */
export interface BulkColumn {
  name: string;
  type: 'bigint' | 'int' | 'text';
  length?: number;
}

/** Refresh state of one provider's ranges (ETL.RangeRefresh), as the refresh compares it. */
export interface RangeRefreshState {
  provider: string;
  etag: string | null;
  lastModified: string | null;
  contentHash: string | null;
  rangeCount: number;
}

/** An attempt that did not replace a provider's ranges (its stored ranges and ChangedAt stay as they are). */
export interface RangeRefreshAttempt {
  provider: string;
  status: 'unchanged' | 'not-modified' | 'failed' | 'refused';
  error: string | null;
  /** The attempt counts as a success (LastSuccessAt moves). */
  success: boolean;
  /** New validators to store, when the attempt read the files. */
  validators?: { etag: string | null; lastModified: string | null };
}

/** Named arguments of a procedure call: numbers, flags and texts only. */
export type ProcedureArgs = Readonly<Record<string, number | boolean | string | null>>;

/** The consumer file as matching reads it (PiXL.AutoConsumerSource and the table behind it). */
export interface ConsumerFile {
  /** The table the migrations create, used when AUTOCONSUMER_TABLE is not set. */
  readonly localTable: string;
  /** Checks `table` has what matching reads, then re-points PiXL.AutoConsumerSource at it. */
  pointSourceAt(table: string): Promise<void>;
  /** Highest RecordID in `table`, or null when it is empty. */
  maxRecordId(table: string): Promise<number | null>;
  /** Takes the table's secondary indexes off line; the returned function rebuilds them. */
  suspendIndexes(table: string): Promise<() => Promise<void>>;
}

/** One schema file as the migration runner applies it. */
export interface SchemaFile {
  /** `0003_parsed` for a migration, `ETL.usp_ParseNewHits` for an object. */
  name: string;
  path: string;
  text: string;
  /** SHA-256 hex of the text with line endings normalised. */
  checksum: string;
}

/** What a database has applied: checksums by name (null for migrations recorded before checksums were kept). */
export interface SchemaState {
  migrations: Map<string, string | null>;
  objects: Map<string, string>;
}

/** Bookkeeping of the schema runner (src/db/migrate.ts); each engine keeps it in its own tables. */
export interface SchemaStore {
  /**
   * Throws a clear error when the server cannot run the schema (version, compatibility level, encoding);
   * returns warnings about settings that work but hurt (e.g. blocking without read-committed snapshot).
   */
  checkServer(): Promise<string[]>;
  /** Creates the bookkeeping tables when missing and reads them. */
  schemaState(): Promise<SchemaState>;
  /** Runs a migration and records it with its checksum, in one transaction. */
  applyMigration(file: SchemaFile): Promise<void>;
  /** Runs an object's definition and records its checksum, in one transaction. */
  applyObject(file: SchemaFile): Promise<void>;
  /** Records the checksum of a migration applied before checksums were kept. */
  adoptMigrationChecksum(name: string, checksum: string): Promise<void>;
}

/** A client param: the value of the element matching `domSelector` is sent as `paramName` (`_cp_<name>`). */
export interface ClientParamRow {
  companyId: string;
  pixelId: string;
  paramName: string;
  domSelector: string;
}

export interface CompanyRow {
  companyId: string;
  name: string;
  active: boolean;
}

export interface PixelRow {
  companyId: string;
  pixelId: string;
  name: string;
  active: boolean;
}

/** A change to a company or pixel: the fields given are set. */
export interface RegistryChange {
  name?: string | undefined;
  active?: boolean | undefined;
}

/**
 * Companies, pixels and their client params (PiXL.Company, PiXL.Pixel, PiXL.Config, PiXL.ConfigClientParam),
 * as `npm run pixl` manages them; inputs are checked by the caller (src/admin/pixels.ts).
 */
export interface PixelRegistry {
  companies(): Promise<CompanyRow[]>;
  pixels(): Promise<PixelRow[]>;
  /** Every client param, of active and inactive pixels alike. */
  allClientParams(): Promise<ClientParamRow[]>;
  addCompany(companyId: string, name: string): Promise<void>;
  updateCompany(companyId: string, change: RegistryChange): Promise<void>;
  /** Adds the pixel and its PiXL.Config row (the defaults) in one transaction. */
  addPixel(companyId: string, pixelId: string, name: string): Promise<void>;
  updatePixel(companyId: string, pixelId: string, change: RegistryChange): Promise<void>;
  /** Adds the param or points it at a new selector (adding the pixel's Config row when missing), atomically. */
  setClientParam(param: ClientParamRow): Promise<'added' | 'changed'>;
  /** Removes the param; false when there was none. */
  removeClientParam(companyId: string, pixelId: string, paramName: string): Promise<boolean>;
}

/** One landed hit as the local demo lists them (PiXL.Test; ParamsJson decoded). */
export interface LandedHit {
  id: number;
  hitType: string;
  ipAddress: string | null;
  receivedAt: Date;
  params: Record<string, string>;
}

/** What became of hits in the warehouse, read by the local demo page (src/local/demo.ts). */
export interface HitInspector {
  /** The newest hits of a pixel, newest first. */
  recentHits(companyId: string, pixelId: string, limit: number): Promise<LandedHit[]>;
  /** The PiXL.Parsed row of a hit (every column), or undefined before the parse. */
  parsedRow(sourceId: number): Promise<Row | undefined>;
  /** The PiXL.Visit row of a hit (ClientParamsJson decoded), or undefined. */
  visitRow(visitId: number): Promise<Row | undefined>;
  /** PiXL.Match rows of a pixel for one match key. */
  matches(companyId: string, pixelId: string, matchKey: string): Promise<Row[]>;
}

/**
 * Everything the rest of the code asks of a database. Engine SQL, engine names and engine error codes stay in
 * src/db/<engine>/; callers name procedures and tables, never SQL.
 */
export interface Warehouse {
  /** Which folder of sql/ this engine reads (src/db/migrate.ts only). */
  readonly engine: DatabaseEngine;
  readonly schema: SchemaStore;
  readonly consumers: ConsumerFile;
  readonly pixels: PixelRegistry;
  readonly inspect: HitInspector;
  /** Inserts hits in one transaction; a HitId already present is skipped. Returns how many rows were added. */
  insertHits(rows: readonly HitRow[]): Promise<number>;
  /**
   * Inserts the rows of several batches (queue messages) in one transaction, as one bulk load; a HitId already
   * present, or given twice, is skipped. Returns how many rows of each batch were added, in batch order.
   */
  insertHitBatches(batches: readonly (readonly HitRow[])[]): Promise<number[]>;
  /**
   * Runs a procedure (dotted name) with named arguments and returns its first result row. BIGINT values come
   * back as numbers from both engines.
   */
  callProcedure(procedure: string, args?: ProcedureArgs): Promise<Row | undefined>;
  /** Whether the procedure exists (by object id, so it answers right in a case-sensitive database too). */
  procedureExists(procedure: string): Promise<boolean>;
  /**
   * Whether an error means "try again later" (unreachable, restarting, throttled, deadlock victim, timeout)
   * rather than "this data is wrong".
   */
  isTransientError(error: unknown): boolean;
  /** The one row of ETL.vw_Dash_PipelineHealth, or undefined. */
  readPipelineHealth(): Promise<Row | undefined>;
  /**
   * Replaces one provider's rows of PiXL.DatacenterRange and its ETL.RangeRefresh state (status loaded,
   * ChangedAt = now) in one transaction, under the lock that ETL.usp_ClassifyIPs shares.
   */
  replaceDatacenterRanges(load: DatacenterRangeLoad): Promise<void>;
  readRangeRefreshState(provider: string): Promise<RangeRefreshState | undefined>;
  recordRangeRefreshAttempt(attempt: RangeRefreshAttempt): Promise<void>;
  /**
   * Every client param of the active pixels of active companies (PiXL.ConfigClientParam), ordered by
   * company, pixel and param name. Read whole: the script endpoint caches it (src/capture/pixelConfig.ts).
   */
  clientParams(): Promise<ClientParamRow[]>;
  /**
   * Streams rows (values in column order) into an existing table: COPY on PostgreSQL, TDS bulk load in chunks on
   * SQL Server. Not one transaction: a failure leaves the rows already sent. Returns how many rows were sent.
   */
  bulkLoad(
    table: string,
    columns: readonly BulkColumn[],
    rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  ): Promise<number>;
  /** The stored privacy settings: one row per PiXL.Company (pixelId null) and per PiXL.Config. */
  readPrivacySettings(): Promise<PrivacyRow[]>;
  /**
   * A company's export (PiXL.CompanyExport): its resolved visits that did not opt out, and nothing of any other
   * company, whatever devices and addresses they share.
   */
  exportCompany(companyId: string): Promise<Row[]>;
  /** Runs `work` while holding a named, database-wide exclusive lock. */
  withLock<T>(lockName: string, work: () => Promise<T>): Promise<T>;
  /** Runs `work` under the lock if no one holds it now; otherwise returns `{ ran: false }` at once. */
  withLockIfFree<T>(
    lockName: string,
    work: () => Promise<T>,
  ): Promise<{ ran: true; result: T } | { ran: false }>;
  close(): Promise<void>;
}

/**
 * Raw SQL, for tests and benchmarks only (through test/support/sql.ts): one statement with positional
 * parameters written $1, $2, ..., and quoting of dotted names.
 */
export interface SqlConsole {
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  name(dotted: string): string;
}

/**
 * The contract every database engine implements (Kysely-style: one folder per engine, same file names,
 * the caller is handed an engine and never switches on its name).
 */
import type { DatabaseEngine } from '../config.js';

/** One row of PiXL.Test as the writer lands it. */
export interface HitRow {
  hitId: string;
  hitType: string;
  companyId: string;
  pixelId: string;
  ipAddress: string | null;
  requestPath: string;
  queryString: string;
  queryTruncated: boolean;
  /** JSON object text of the decoded query-string parameters. */
  paramsJson: string;
  /** JSON object text of the captured request headers. */
  headersJson: string;
  userAgent: string | null;
  referer: string | null;
  receivedAt: Date;
  /** The User-Agent is on a known bot list (isbot), decided at write time: its patterns are JavaScript regexes. */
  isKnownBot: boolean;
}

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

export interface Warehouse {
  readonly engine: DatabaseEngine;
  /** Inserts hits in one statement; a HitId already present is skipped. Returns how many rows were added. */
  insertHits(rows: readonly HitRow[]): Promise<number>;
  /**
   * Replaces one provider's rows of PiXL.DatacenterRange and its ETL.RangeRefresh state (status loaded,
   * ChangedAt = now) in one transaction, under the lock that ETL.usp_ClassifyIPs shares.
   */
  replaceDatacenterRanges(load: DatacenterRangeLoad): Promise<void>;
  /** Runs one statement with positional parameters written as $1, $2, ... (translated per engine). */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Quotes a dotted object name for this engine: "PiXL"."Test" or [PiXL].[Test]. */
  name(dotted: string): string;
  /** Migration support: runs a whole script (batches split as the engine needs) and records it, atomically. */
  applyMigration(name: string, script: string): Promise<void>;
  appliedMigrations(): Promise<string[]>;
  /**
   * Streams rows (values in column order) into an existing table: COPY on PostgreSQL, TDS bulk load in chunks on
   * SQL Server. Not one transaction: a failure leaves the rows already sent. Returns how many rows were sent.
   */
  bulkLoad(
    table: string,
    columns: readonly BulkColumn[],
    rows: AsyncIterable<readonly unknown[]> | Iterable<readonly unknown[]>,
  ): Promise<number>;
  /** Runs `work` while holding a named, database-wide exclusive lock. */
  withLock<T>(lockName: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

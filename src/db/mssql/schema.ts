/** SQL Server bookkeeping of the schema runner (src/db/migrate.ts): dbo.SchemaMigrations and dbo.SchemaObjects. */
import sql from 'mssql';
import { runsInOneTransaction, splitBatches } from '../batches.js';
import type { SchemaFile, SchemaState, SchemaStore } from '../types.js';
import { inTransaction } from './sql.js';

/** SQL Server 2025 is version 17 (the json type, CREATE OR ALTER, TRIM ... FROM). */
const MIN_MAJOR_VERSION = 17;
/** Azure SQL Database (5) and Managed Instance (8) carry the newest engine whatever their version says. */
const AZURE_EDITIONS = new Set([5, 8]);
/** OPENJSON needs 130 and TRIM(chars FROM ...) 140; 160 is the floor tested against. */
const MIN_COMPATIBILITY_LEVEL = 160;

export interface MssqlServer {
  major: number | null;
  version: string;
  /** SERVERPROPERTY('EngineEdition'). */
  edition: number;
  compatibility: number;
  /** sys.databases.is_read_committed_snapshot_on (1 by default on Azure SQL, 0 on a new SQL Server database). */
  readCommittedSnapshot?: number;
  /** The database's default collation (DATABASEPROPERTYEX 'Collation'). */
  collation?: string;
}

/** What infra/main.bicep creates: keys compared as bytes, like PostgreSQL's C collation. */
export const BINARY_COLLATION = 'Latin1_General_100_BIN2_UTF8';

/** Settings that work but hurt, said at every migrate. */
export function mssqlServerWarnings(server: MssqlServer): string[] {
  const warnings: string[] = [];
  if (server.readCommittedSnapshot === 0)
    warnings.push(
      "READ_COMMITTED_SNAPSHOT is off: /api/health and dashboards wait for a parse batch's row locks on " +
        'Parsed, Visit, IP, Device and SignalHit, and parse lanes (ETL_PARSE_LANES above 1) deadlock each ' +
        "other on the watermark rows and visits they read of each other's. Turn it on once: ALTER DATABASE CURRENT " +
        'SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE (docs/SETTINGS.md).',
    );
  if (server.collation !== undefined && !/_BIN2?(_|$)/i.test(server.collation))
    warnings.push(
      `the database collation ${server.collation} is not binary: company, pixel and email keys compare ` +
        'case-insensitively here but byte by byte on PostgreSQL (pixels ABC and abc become one). Create the ' +
        `database with COLLATE ${BINARY_COLLATION} (docs/DEPLOY.md).`,
    );
  return warnings;
}

/** Why this server or database cannot hold the schema, or undefined when it can. */
export function mssqlServerProblem(server: MssqlServer): string | undefined {
  if (!AZURE_EDITIONS.has(server.edition) && (server.major ?? 0) < MIN_MAJOR_VERSION)
    return `SQL Server 2025 (17.x) or Azure SQL is needed, found ${server.version}`;
  if (server.compatibility < MIN_COMPATIBILITY_LEVEL)
    return (
      `database compatibility level ${MIN_COMPATIBILITY_LEVEL} or later is needed, found ${server.compatibility} ` +
      `(ALTER DATABASE CURRENT SET COMPATIBILITY_LEVEL = ${MIN_COMPATIBILITY_LEVEL})`
    );
  return undefined;
}

export class MssqlSchemaStore implements SchemaStore {
  constructor(private readonly connected: () => Promise<sql.ConnectionPool>) {}

  async checkServer(): Promise<string[]> {
    const pool = await this.connected();
    const { recordset } = await pool
      .request()
      .query<MssqlServer>(`SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS INT) AS major,
          CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128)) AS version,
          CAST(SERVERPROPERTY('EngineEdition') AS INT) AS edition,
          (SELECT compatibility_level FROM sys.databases WHERE database_id = DB_ID()) AS compatibility,
          (SELECT CAST(is_read_committed_snapshot_on AS INT) FROM sys.databases WHERE database_id = DB_ID())
            AS readCommittedSnapshot,
          CAST(DATABASEPROPERTYEX(DB_NAME(), 'Collation') AS NVARCHAR(128)) AS collation`);
    const server = recordset[0];
    if (!server) throw new Error('could not read the SQL Server version');
    const problem = mssqlServerProblem(server);
    if (problem) throw new Error(problem);
    return mssqlServerWarnings(server);
  }

  async schemaState(): Promise<SchemaState> {
    const pool = await this.connected();
    await pool.request().batch(`
      IF OBJECT_ID(N'dbo.SchemaMigrations', N'U') IS NULL
        CREATE TABLE dbo.SchemaMigrations (Name VARCHAR(200) NOT NULL PRIMARY KEY,
          AppliedAt DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME());
      IF COL_LENGTH(N'dbo.SchemaMigrations', N'Checksum') IS NULL
        ALTER TABLE dbo.SchemaMigrations ADD Checksum CHAR(64) NULL;
      IF OBJECT_ID(N'dbo.SchemaObjects', N'U') IS NULL
        CREATE TABLE dbo.SchemaObjects (Name VARCHAR(200) NOT NULL PRIMARY KEY, Checksum CHAR(64) NOT NULL,
          AppliedAt DATETIME2(3) NOT NULL DEFAULT SYSUTCDATETIME());`);
    const migrations = await pool
      .request()
      .query<{ Name: string; Checksum: string | null }>('SELECT Name, Checksum FROM dbo.SchemaMigrations');
    const objects = await pool
      .request()
      .query<{ Name: string; Checksum: string }>('SELECT Name, Checksum FROM dbo.SchemaObjects');
    return {
      migrations: new Map(migrations.recordset.map((r) => [r.Name, r.Checksum])),
      objects: new Map(objects.recordset.map((r) => [r.Name, r.Checksum])),
    };
  }

  async applyMigration(file: SchemaFile): Promise<void> {
    const pool = await this.connected();
    if (!runsInOneTransaction(file.text)) {
      for (const batch of splitBatches(file.text)) await pool.request().batch(batch);
    }
    await inTransaction(pool, async (tx) => {
      if (runsInOneTransaction(file.text))
        for (const batch of splitBatches(file.text)) await new sql.Request(tx).batch(batch);
      await new sql.Request(tx)
        .input('name', sql.VarChar(200), file.name)
        .input('checksum', sql.Char(64), file.checksum)
        .query('INSERT INTO dbo.SchemaMigrations (Name, Checksum) VALUES (@name, @checksum)');
    });
  }

  async applyObject(file: SchemaFile): Promise<void> {
    await inTransaction(await this.connected(), async (tx) => {
      for (const batch of splitBatches(file.text)) await new sql.Request(tx).batch(batch);
      await new sql.Request(tx)
        .input('name', sql.VarChar(200), file.name)
        .input('checksum', sql.Char(64), file.checksum)
        .query(`UPDATE dbo.SchemaObjects SET Checksum = @checksum, AppliedAt = SYSUTCDATETIME() WHERE Name = @name;
          IF @@ROWCOUNT = 0 INSERT INTO dbo.SchemaObjects (Name, Checksum) VALUES (@name, @checksum);`);
    });
  }

  async adoptMigrationChecksum(name: string, checksum: string): Promise<void> {
    await (await this.connected())
      .request()
      .input('name', sql.VarChar(200), name)
      .input('checksum', sql.Char(64), checksum)
      .query('UPDATE dbo.SchemaMigrations SET Checksum = @checksum WHERE Name = @name AND Checksum IS NULL');
  }
}

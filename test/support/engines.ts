/**
 * The engines every database test runs on: PostgreSQL always, SQL Server when MSSQL_TEST_CONNECTION_STRING
 * is set. Each test file gets its own freshly migrated database, so files can run in parallel.
 */
import { randomBytes } from 'node:crypto';
import sql from 'mssql';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { MssqlWarehouse } from '../../src/db/mssql/warehouse.js';
import { PostgresWarehouse } from '../../src/db/postgres/warehouse.js';
import type { SqlConsole, Warehouse } from '../../src/db/types.js';

/** A warehouse with raw SQL for assertions (src/db/types.ts SqlConsole: tests and benchmarks only). */
export type TestWarehouse = Warehouse & SqlConsole;

export interface TestDatabase {
  db: TestWarehouse;
  /** Connection string of this database, for code under test that opens its own pool. */
  connectionString: string;
  drop(): Promise<void>;
}

export interface EngineUnderTest {
  name: Warehouse['engine'];
  /** A database of its own with the current schema (`{ empty: true }`: with nothing in it). */
  create(options?: { empty?: boolean }): Promise<TestDatabase>;
}

async function createPostgres(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `smartpixl_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const template = options.empty ? 'template0' : inject('postgresTemplate');
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}" ENCODING 'UTF8'`);
  await admin.end();
  const connectionString = adminUrl.replace(/\/postgres$/, `/${name}`);
  const db = new PostgresWarehouse(connectionString);
  return {
    db,
    connectionString,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

async function createMssql(base: string, options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `smartpixl_${randomBytes(5).toString('hex')}`;
  const master = await new sql.ConnectionPool(base).connect();
  await master.request().batch(`CREATE DATABASE [${name}]`);
  const connectionString = `${base.replace(/;?\s*(Initial Catalog|Database)=[^;]*/gi, '')};Database=${name}`;
  const db = new MssqlWarehouse(connectionString);
  if (!options.empty) await migrate(db);
  return {
    db,
    connectionString,
    async drop() {
      await db.close();
      await master
        .request()
        .batch(`ALTER DATABASE [${name}] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE [${name}];`);
      await master.close();
    },
  };
}

export function enginesUnderTest(): EngineUnderTest[] {
  const engines: EngineUnderTest[] = [{ name: 'postgres', create: createPostgres }];
  const mssql = process.env.MSSQL_TEST_CONNECTION_STRING;
  if (mssql) engines.push({ name: 'mssql', create: (options) => createMssql(mssql, options) });
  return engines;
}

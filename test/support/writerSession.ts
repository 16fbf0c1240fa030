/**
 * A writer's session on a connection the test controls, to hold a transaction open (a row whose Id commits after
 * higher ones) or the parse lock (test/etl.watermark.test.ts, test/etl.lanes.db.test.ts).
 */
import sql from 'mssql';
import pg from 'pg';
import type { DatabaseEngine } from '../../src/config.js';
import { HIT_COLUMN_NAMES, hitRowValues } from '../../src/db/hitColumns.js';
import { HIT_BULK_COLUMNS, hitColumnValue } from '../../src/db/mssql/warehouse.js';
import type { HitRow } from '../../src/db/types.js';

/** A second session that can hold a transaction open. */
export interface Session {
  begin(): Promise<void>;
  insertHit(row: HitRow): Promise<void>;
  holdParseLock(): Promise<void>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

// One insert of the writer's columns, on a connection the test controls (to hold the transaction open).
const INSERT_COLUMNS = HIT_COLUMN_NAMES.join(', ');
const values = hitRowValues;

async function postgresSession(connectionString: string): Promise<Session> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const cols = INSERT_COLUMNS.split(', ').map((c) => `"${c}"`);
  return {
    begin: async () => void (await client.query('BEGIN')),
    insertHit: async (r) =>
      void (await client.query(
        `INSERT INTO "PiXL"."Test" (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
        values(r).map((v) => (v instanceof Date ? v.toISOString().replace('Z', '') : v)),
      )),
    holdParseLock: async () =>
      void (await client.query("SELECT pg_advisory_xact_lock(hashtext('ETL.usp_ParseNewHits'))")),
    commit: async () => void (await client.query('COMMIT')),
    close: () => client.end(),
  };
}

async function mssqlSession(connectionString: string): Promise<Session> {
  const pool = await new sql.ConnectionPool(connectionString).connect();
  let tx: sql.Transaction | undefined;
  const request = () => (tx ? new sql.Request(tx) : new sql.Request(pool));
  return {
    begin: async () => {
      tx = new sql.Transaction(pool);
      await tx.begin();
    },
    insertHit: async (r) => {
      const req = request();
      // Typed as the writer's bulk load types them (a NULL of the driver's default NVARCHAR is no BINARY).
      values(r).forEach((v, i) => {
        const column = HIT_COLUMN_NAMES[i] as (typeof HIT_COLUMN_NAMES)[number];
        req.input(`p${i + 1}`, HIT_BULK_COLUMNS[column][0], v);
      });
      const placeholders = HIT_COLUMN_NAMES.map((c, i) => hitColumnValue(c, `@p${i + 1}`));
      await req.query(`INSERT INTO PiXL.Test (${INSERT_COLUMNS}) VALUES (${placeholders.join(', ')})`);
    },
    holdParseLock: async () =>
      void (await request().query(
        "EXEC sp_getapplock @Resource = N'ETL.usp_ParseNewHits', @LockMode = N'Exclusive', @LockOwner = N'Transaction'",
      )),
    commit: async () => {
      await tx?.commit();
      tx = undefined;
    },
    close: () => pool.close(),
  };
}

export function openSession(engine: DatabaseEngine, connectionString: string): Promise<Session> {
  return (engine === 'postgres' ? postgresSession : mssqlSession)(connectionString);
}

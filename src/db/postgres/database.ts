/** PostgreSQL server administration the local runner needs (src/local/embeddedPostgres.ts): a database made on demand. */
import pg from 'pg';
import { quoteIdent } from './sql.js';

/** Creates `database` on the server of `serverUrl` (a URL of any database there) unless it exists. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  } finally {
    await admin.end();
  }
}

/**
 * `tsx scripts/azure/grant-identity.ts <identity name>` (run by infra/hooks/postprovision.sh): creates the
 * database user of the function app's managed identity and gives it what the functions need: read and
 * write the tables, execute the ETL procedures. Connects with SQL_CONNECTION_STRING as an Entra admin of
 * the server. Idempotent.
 */
import sql from 'mssql';

const name = process.argv[2];
const connectionString = process.env.SQL_CONNECTION_STRING;
if (!name || !/^[\w.-]{1,128}$/.test(name) || !connectionString) {
  console.error(
    'usage: SQL_CONNECTION_STRING=... tsx scripts/azure/grant-identity.ts <managed identity name>',
  );
  process.exit(2);
}

const user = `[${name}]`;
const pool = await new sql.ConnectionPool(connectionString).connect();
try {
  await pool
    .request()
    .input('name', sql.NVarChar, name)
    .query(`
IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = @name)
  EXEC ('CREATE USER ${user} FROM EXTERNAL PROVIDER');
ALTER ROLE db_datareader ADD MEMBER ${user};
ALTER ROLE db_datawriter ADD MEMBER ${user};
GRANT EXECUTE TO ${user};`);
  console.log(`${name}: database user with db_datareader, db_datawriter and EXECUTE`);
} finally {
  await pool.close();
}

/**
 * The SQL connection strings of the deployment reach Azure SQL with Entra and no password: the function app's
 * (infra/main.bicep) through the managed identity named by its client id, the post-provision hook's
 * (infra/hooks/postprovision.sh) through the deployer's own login. Both are read here by `mssql`'s parser,
 * as src/db/mssql/warehouse.ts reads them; tedious turns `azure-active-directory-default` into
 * DefaultAzureCredential with that client id as the managed identity.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sql from 'mssql';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../src/config.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

/** The connection string as the app gets it: the Bicep variable with its interpolations filled. */
function appConnectionString(bicep: string): string {
  const template = /^var sqlConnectionString = '(.*)'$/m.exec(bicep)?.[1];
  expect(template).toBeDefined();
  return fill(template as string, {
    sqlHost: 'sql-smartpixl.database.windows.net',
    sqlDatabaseName: 'SmartPiXL',
    'identity.properties.clientId': CLIENT_ID,
  });
}

/** Replaces each `${name}` (Bicep or shell) by its value; an unknown name stays, and fails the test. */
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => values[name] ?? whole);

const parse = (connectionString: string) =>
  sql.ConnectionPool.parseConnectionString(connectionString) as unknown as Record<string, unknown>;

describe('deployment SQL authentication', () => {
  it('the function app: Entra with the managed identity of the client id, no user or password', () => {
    const cs = appConnectionString(read('infra/main.bicep'));
    expect(cs).not.toMatch(/\$\{/);
    expect(parseSettings({ SQL_CONNECTION_STRING: cs }).database.engine).toBe('mssql');
    const config = parse(cs);
    expect(config).toMatchObject({
      authentication_type: 'azure-active-directory-default',
      clientId: CLIENT_ID,
      server: 'sql-smartpixl.database.windows.net',
      database: 'SmartPiXL',
      options: { encrypt: true },
    });
    expect(config.password).toBeUndefined();
    expect(config.user).toBeUndefined();
  });

  it('the post-provision hook: Entra with the signed-in account (no client id)', () => {
    const line = /^export SQL_CONNECTION_STRING="(.*)"$/m.exec(read('infra/hooks/postprovision.sh'))?.[1];
    expect(line).toBeDefined();
    const cs = fill(line as string, {
      SQL_SERVER_HOST: 'sql-smartpixl.database.windows.net',
      SQL_DATABASE_NAME: 'SmartPiXL',
    });
    expect(cs).not.toMatch(/\$\{/);
    const config = parse(cs);
    expect(config.authentication_type).toBe('azure-active-directory-default');
    expect(config.clientId).toBeUndefined();
    expect(config.password).toBeUndefined();
  });

  it('tells a password login apart (the check can fail)', () => {
    const config = parse('Server=tcp:x,1433;Database=d;User Id=sa;Password=p');
    expect(config.authentication_type).toBeUndefined();
    expect(config.password).toBe('p');
  });
});

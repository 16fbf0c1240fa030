/** Which database failures the writer treats as an outage (re-queue with a delay) rather than bad data. */
import sql from 'mssql';
import { ConnectionError as TediousConnectionError } from 'tedious';
import { describe, expect, it } from 'vitest';
import { isTransientMssqlError } from '../src/db/mssql/errors.js';
import { isTransientPostgresError } from '../src/db/postgres/errors.js';

describe('transient PostgreSQL errors', () => {
  it.each(['40001', '40P01', '57P01', '57P02', '57P03', '53300', '08006', 'ECONNREFUSED'])(
    '%s is transient',
    (code) => {
      expect(isTransientPostgresError(Object.assign(new Error('x'), { code }))).toBe(true);
    },
  );
  it.each(['22P02', '23505', '42P01', '54000'])('%s (bad data or a bad statement) is not', (code) => {
    expect(isTransientPostgresError(Object.assign(new Error('x'), { code }))).toBe(false);
  });
  it('knows a dropped connection without a code', () => {
    expect(isTransientPostgresError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientPostgresError(null)).toBe(false);
  });
});

describe('transient SQL Server errors', () => {
  it.each([1205, 40501, 40613, 49918, 49919, 49920, 10928, 10929])(
    'server error %s is transient',
    (number) => {
      expect(isTransientMssqlError(Object.assign(new Error('x'), { name: 'RequestError', number }))).toBe(
        true,
      );
      // As mssql wraps it.
      expect(isTransientMssqlError({ name: 'RequestError', originalError: { info: { number } } })).toBe(true);
    },
  );
  it.each(['ETIMEOUT', 'ESOCKET', 'ECONNCLOSED'])('driver code %s is transient', (code) => {
    expect(isTransientMssqlError(Object.assign(new Error('x'), { code }))).toBe(true);
  });
  it.each([2628, 245, 8152, 547])('server error %s (bad data) is not', (number) => {
    expect(isTransientMssqlError(Object.assign(new Error('x'), { name: 'RequestError', number }))).toBe(
      false,
    );
  });

  // A refused login reaches the writer as tedious's ConnectionError (code ELOGIN, the server's message, no
  // number) wrapped in mssql's, as node_modules/mssql/lib/tedious/connection-pool.js does.
  const loginError = (message: string) =>
    new sql.ConnectionError(new TediousConnectionError(message, 'ELOGIN'));
  it('a login refused for its credentials is not transient; a database being moved is', () => {
    expect(isTransientMssqlError(loginError("Login failed for user 'pixl'."))).toBe(false);
    expect(
      isTransientMssqlError(
        loginError("Database 'pixl' on server 'x' is not currently available. Please retry."),
      ),
    ).toBe(true);
    expect(isTransientMssqlError(loginError('Cannot open database "pixl" requested by the login.'))).toBe(
      true,
    );
  });
  it('a pool with no connection free in time is transient', () => {
    // mssql's message for tarn's TimeoutError, which has no code, name or number of its own.
    const busy = new Error(
      'Failed to acquire a connection from the pool: operation timed out for an unknown reason',
    );
    expect(isTransientMssqlError(busy)).toBe(true);
  });
});

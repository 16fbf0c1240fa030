/** Which SQL Server / Azure SQL failures mean "try again later" rather than "this data is wrong". */

/**
 * tedious / mssql connection-level codes: the server is unreachable, the login failed over (Azure SQL answers a
 * login with 40613, 40501 or 4060 while it moves a database; tedious retries those itself, then gives up with
 * ELOGIN), a timeout. A login refused for its credentials is not one of them (permanentLogin).
 */
const DRIVER_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ETIMEOUT',
  'ESOCKET',
  'ECONNCLOSED',
  'ELOGIN',
]);

/**
 * Server error numbers: 1205 deadlock victim; 40501 service busy; 40613 database unavailable; 49918-49920
 * too many requests; 10928 / 10929 resource limits; 40197 service error during reconfiguration.
 */
const TRANSIENT_NUMBERS = new Set([1205, 40501, 40613, 49918, 49919, 49920, 10928, 10929, 40197, 233, 64]);

/**
 * A login refused for its credentials (18456: "Login failed for user …") stays refused until someone fixes the
 * setting; tedious reports it as ELOGIN with the server's message and no number.
 */
const permanentLogin = /^Login failed for user/i;

/**
 * mssql's text when no pooled connection came free in time (node_modules/mssql/lib/base/connection-pool.js): the
 * pool is busy, not the data wrong; as pg-pool's "timeout exceeded when trying to connect" (../postgres/errors.ts).
 */
const poolBusy = /^Failed to acquire a connection from the pool/;

export function isTransientMssqlError(error: unknown): boolean {
  const e = error as {
    code?: unknown;
    number?: unknown;
    name?: unknown;
    message?: unknown;
    originalError?: unknown;
  } | null;
  if (!e) return false;
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.code === 'ELOGIN' && permanentLogin.test(message)) return false;
  if (poolBusy.test(message)) return true;
  if (typeof e.code === 'string' && DRIVER_CODES.has(e.code)) return true;
  if (typeof e.number === 'number' && TRANSIENT_NUMBERS.has(e.number)) return true;
  if (e.name === 'ConnectionError') return true;
  // mssql wraps the server's error: look one level in.
  const inner = (e.originalError as { info?: { number?: unknown } } | undefined)?.info?.number;
  return typeof inner === 'number' && TRANSIENT_NUMBERS.has(inner);
}

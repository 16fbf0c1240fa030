/** Which SQL Server / Azure SQL failures mean "try again later" rather than "this data is wrong". */

/** tedious / mssql connection-level codes: the server is unreachable, the login failed over, a timeout. */
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
 * too many requests; 10928 / 10929 resource limits; 40197 service error during reconfiguration; 4060 / 18456
 * are not here on purpose (wrong database or login stay wrong until someone fixes them).
 */
const TRANSIENT_NUMBERS = new Set([1205, 40501, 40613, 49918, 49919, 49920, 10928, 10929, 40197, 233, 64]);

export function isTransientMssqlError(error: unknown): boolean {
  const e = error as { code?: unknown; number?: unknown; name?: unknown; originalError?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === 'string' && DRIVER_CODES.has(e.code)) return true;
  if (typeof e.number === 'number' && TRANSIENT_NUMBERS.has(e.number)) return true;
  if (e.name === 'ConnectionError') return true;
  // mssql wraps the server's error: look one level in.
  const inner = (e.originalError as { info?: { number?: unknown } } | undefined)?.info?.number;
  return typeof inner === 'number' && TRANSIENT_NUMBERS.has(inner);
}

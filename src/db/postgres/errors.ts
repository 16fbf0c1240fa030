/** Which PostgreSQL failures mean "try again later" rather than "this data is wrong". */

/** Node's socket errors: the server is not reachable right now. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  'EHOSTUNREACH',
]);

/**
 * SQLSTATEs: class 08 (connection exception), 40001 (serialization failure), 40P01 (deadlock detected),
 * 57P01-03 (admin shutdown, crash shutdown, cannot connect now), 53300 (too many connections).
 */
const TRANSIENT_STATE = /^(08...|40001|40P01|57P0[123]|53300)$/;

export function isTransientPostgresError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (SOCKET_CODES.has(code) || TRANSIENT_STATE.test(code)) return true;
  // pg raises these without a code when the connection drops mid-query or cannot be opened.
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect/i.test(
    typeof e?.message === 'string' ? e.message : '',
  );
}

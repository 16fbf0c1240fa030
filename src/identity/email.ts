/**
 * Email normalisation and hashing, defined once and mirrored exactly by the SQL of both engines
 * (PiXL.NormaliseEmail / PiXL.EmailSha256 and AutoConsumer's EMailNorm / EMailSha256 columns).
 *
 * Normalised = surrounding spaces, tabs, CR and LF removed, then ASCII A-Z lower-cased; empty means none.
 * Only ASCII letters are folded because Unicode case mapping differs between JavaScript, SQL Server
 * collations (a Turkish one maps I to dotless i) and PostgreSQL locales; a fixed rule hashes the same everywhere.
 * Hash = lowercase hex SHA-256 of the normalised email's UTF-8 bytes (the `_cp_hid` a client sends).
 */
import { createHash } from 'node:crypto';

const EDGE_WHITESPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;
const ASCII_UPPER = /[A-Z]+/g;

export function normaliseEmail(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const value = raw.replace(EDGE_WHITESPACE, '').replace(ASCII_UPPER, (s) => s.toLowerCase());
  return value === '' ? null : value;
}

/** SHA-256 (lowercase hex) of the normalised email, or null when there is no email. */
export function emailSha256(raw: string | null | undefined): string | null {
  const normalised = normaliseEmail(raw);
  return normalised === null ? null : createHash('sha256').update(normalised, 'utf8').digest('hex');
}

/**
 * The reference's candidate rule (`LIKE '%_@_%.__%'`, longer than 5), plus the 200 characters PiXL.Match.MatchKey holds,
 * applied to the normalised email. The SQL procedures apply the same rule.
 */
export function isPlausibleEmail(normalised: string | null): normalised is string {
  return (
    normalised !== null &&
    normalised.length > 5 &&
    normalised.length <= 200 &&
    /^.+@.+\...+$/s.test(normalised)
  );
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A hashed email as a client may send it (`_cp_hid`): 64 hex digits, any letter case, surrounding spaces, tabs
 * or line breaks allowed; null otherwise. The procedures apply the same rule.
 */
export function normaliseEmailHash(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const value = raw.replace(EDGE_WHITESPACE, '').toLowerCase();
  return SHA256_HEX.test(value) ? value : null;
}

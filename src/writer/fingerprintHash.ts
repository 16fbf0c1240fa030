/**
 * The composite fingerprint hash the behaviour signals compare per address (ETL.SignalHit.FpHash), computed by
 * the writer so the parse's signal statement reads no JSON at all (PiXL.Test.FpHash): SHA-256 of the UTF-8 of
 * `canvas|webgl|audio`, each value cut to its PiXL.Parsed column's length in characters (code points, as
 * PostgreSQL's left() and SQL Server's LEFT under a supplementary-character collation count them), a missing one
 * empty; null when the hit has none of the three. The parse computes the same from ParamsJson for rows landed
 * before that column (scripts/sqlgen/postgresSignals.ts fingerprintHash, mssqlSignals.ts fingerprintHashTsql);
 * test/writer.db.test.ts holds the two to one value.
 */
import { createHash } from 'node:crypto';
import { FIELDS, FINGERPRINT_KEYS } from '../warehouse/fields.js';

const LENGTHS = FINGERPRINT_KEYS.map((key) => {
  const type = FIELDS.find((f) => f.key === key)?.sqlType;
  if (type?.kind !== 'varchar')
    throw new Error(`fingerprint key ${key} is not a varchar field of the catalog`);
  return type.length;
});

/** The first `length` code points (a string of at most that many UTF-16 units has at most that many). */
function cut(value: string, length: number): string {
  return value.length <= length ? value : Array.from(value).slice(0, length).join('');
}

export function fingerprintHash(params: Readonly<Record<string, string>>): Buffer | null {
  const parts = FINGERPRINT_KEYS.map((key, i) => {
    const value = Object.hasOwn(params, key) ? params[key] : undefined;
    return value === undefined ? undefined : cut(value, LENGTHS[i] ?? 0);
  });
  if (parts.every((p) => p === undefined)) return null;
  return createHash('sha256')
    .update(parts.map((p) => p ?? '').join('|'), 'utf8')
    .digest();
}

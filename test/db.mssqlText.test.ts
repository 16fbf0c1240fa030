/** Texts cut to a SQL Server VARCHAR(n) under a UTF-8 collation, where n counts bytes (src/db/mssql). */
import { describe, expect, it } from 'vitest';
import { utf8Prefix } from '../src/db/mssql/datacenterRanges.js';

describe('utf8Prefix', () => {
  it('keeps whole characters within the byte budget', () => {
    const cyrillic = 'д'.repeat(600); // 1,200 bytes, 600 UTF-16 code units
    const cut = utf8Prefix(cyrillic, 1000);
    expect(Buffer.byteLength(cut, 'utf8')).toBe(1000);
    expect(cut).toBe('д'.repeat(500));
    // A four-byte character (two UTF-16 code units) is never split.
    const emoji = `${'a'.repeat(998)}😀tail`;
    expect(utf8Prefix(emoji, 1000)).toBe('a'.repeat(998));
    expect(utf8Prefix('short', 1000)).toBe('short');
  });
});

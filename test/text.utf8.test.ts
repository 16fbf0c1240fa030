/**
 * Texts cut to a byte budget (src/text/utf8.ts): a query string at capture, and SQL Server's VARCHAR(n) under a
 * UTF-8 collation, where n counts bytes (src/db/mssql/datacenterRanges.ts).
 */
import { describe, expect, it } from 'vitest';
import { cutUtf8 } from '../src/text/utf8.js';

describe('cutUtf8', () => {
  it('keeps whole characters within the byte budget', () => {
    const cyrillic = 'д'.repeat(600); // 1,200 bytes, 600 UTF-16 code units
    const cut = cutUtf8(cyrillic, 1000);
    expect(Buffer.byteLength(cut, 'utf8')).toBe(1000);
    expect(cut).toBe('д'.repeat(500));
    // A four-byte character (two UTF-16 code units) is never split.
    const emoji = `${'a'.repeat(998)}😀tail`;
    expect(cutUtf8(emoji, 1000)).toBe('a'.repeat(998));
    expect(cutUtf8('short', 1000)).toBe('short');
  });
});

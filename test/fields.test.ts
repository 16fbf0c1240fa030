import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../scripts/sqlgen/files.js';
import { nvarcharFor, typedTsql } from '../scripts/sqlgen/mssql.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { FIELDS, type Field, PARSED_CONTEXT_COLUMNS, parseSqlType } from '../src/warehouse/fields.js';

const REFERENCE = join(PROJECT_ROOT, '..', 'shared', 'reference', 'fields.tsv');

describe('field catalog', () => {
  it('holds 166 keys with unique keys and columns, 175 Parsed columns with the context ones', () => {
    expect(FIELDS).toHaveLength(166);
    expect(new Set(FIELDS.map((f) => f.key)).size).toBe(166);
    // Column names must also differ ignoring case (SQL Server compares identifiers case-insensitively).
    expect(
      new Set([...FIELDS.map((f) => f.column), ...PARSED_CONTEXT_COLUMNS].map((c) => c.toLowerCase())).size,
    ).toBe(175);
  });

  it.runIf(existsSync(REFERENCE))('matches the reference fields.tsv line for line', () => {
    const lines = readFileSync(REFERENCE, 'utf8').trim().split('\n').slice(1);
    const reference = lines.map((l) => {
      const [key, column, type, group, meaning] = l.split('\t');
      return { key, column, type, group, meaning };
    });
    expect(
      FIELDS.map(({ key, column, type, group, meaning }) => ({ key, column, type, group, meaning })),
    ).toEqual(reference);
  });

  it('reads the SQL types it supports and refuses others', () => {
    expect(parseSqlType('DECIMAL(10,2)')).toEqual({ kind: 'decimal', precision: 10, scale: 2 });
    expect(parseSqlType('VARCHAR(50)')).toEqual({ kind: 'varchar', length: 50 });
    expect(() => parseSqlType('DATETIME')).toThrow(/unsupported/);
  });
});

describe('generated SQL', () => {
  const isParse = (f: { path: string }) => /ETL\.usp_ParseNewHits\.sql$/.test(f.path);
  const procedures = () => generatedFiles().filter(isParse);

  it('is committed up to date (run `npm run gen:sql` after editing the catalog)', () => {
    for (const file of generatedFiles()) {
      expect(existsSync(file.path), file.path).toBe(true);
      if (!file.writeOnce) expect(readFileSync(file.path, 'utf8'), file.path).toBe(file.text);
    }
  });

  it('adds a field with a later `since` as a new migration of its columns only, and parses it in the procedure', () => {
    const extra: Field = { ...(FIELDS[0] as Field), key: 'newKey', column: 'NewColumn', since: 90 };
    const before = generatedFiles();
    const after = generatedFiles([...FIELDS, extra]);
    expect(after).toHaveLength(before.length + 2);
    const added = after.filter((a) => /0090_parsed_fields\.sql$/.test(a.path));
    expect(added.map((a) => a.writeOnce && a.text.includes('NewColumn'))).toEqual([true, true]);
    expect(added.some((a) => /PROCEDURE|FUNCTION/.test(a.text))).toBe(false);
    for (const p of after.filter(isParse)) expect(p.text).toContain('"newKey"');
  });

  it('computes the _srv_ columns and never reads those keys from the client', () => {
    const files = procedures();
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(file.text, file.path).not.toContain('_srv_');
      for (const f of FIELDS.filter((x) => x.computedSince !== undefined))
        expect(file.text).toContain(f.column);
    }
  });

  it('gives SQL Server every catalog key in OPENJSON and every column in the Parsed insert (not run here)', () => {
    const tsql = procedures().find((f) => /mssql[\\/]objects/.test(f.path))?.text ?? '';
    for (const f of FIELDS.filter((x) => x.computedSince === undefined)) {
      expect(tsql, f.key).toContain(`[${f.column}] NVARCHAR(MAX) '$."${f.key}"'`);
      expect(tsql.match(new RegExp(`\\[${f.column}\\]`, 'g'))?.length, f.column).toBeGreaterThanOrEqual(3);
    }
    // Strings are cut by characters under an _SC collation and stored in twice as many UTF-16 code units.
    expect(typedTsql({ kind: 'varchar', length: 50 }, 'x')).toBe(
      'CAST(LEFT(x COLLATE Latin1_General_100_CI_AS_SC, 50) AS NVARCHAR(100))',
    );
    expect([nvarcharFor(2000), nvarcharFor(2001)]).toEqual(['NVARCHAR(4000)', 'NVARCHAR(MAX)']);
  });
});

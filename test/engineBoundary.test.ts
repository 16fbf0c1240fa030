/**
 * The engine contract's boundary (docs/ARCHITECTURE.md "Two engines, one contract"): outside src/db, no module
 * imports an engine driver or an engine's own module, branches on the engine, writes SQL, or matches an engine
 * error code. The fixture test/fixtures/engine-boundary/leaky.ts.txt shows each kind being found.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

const RULES: { what: string; pattern: RegExp }[] = [
  { what: 'an engine driver', pattern: /from '(pg|mssql|tedious|pg-copy-streams)'/ },
  { what: "an engine's own module", pattern: /from '[./]*\/db\/(postgres|mssql)\// },
  {
    // A comparison with an engine's name, or a lookup table keyed by it.
    what: 'an engine branch',
    pattern:
      /\.engine\s*[=!]==?|[=!]==?\s*'(postgres|mssql)'|'(postgres|mssql)'\s*[=!]==?|\[\s*[\w.]*\.engine\s*\]|Record<DatabaseEngine|^\s*(postgres|mssql)\s*:/,
  },
  {
    what: 'engine SQL',
    pattern:
      /\b(SELECT\b.*\bFROM|INSERT\s+INTO|DELETE\s+FROM|UPDATE\s+\S+\s+SET|CREATE\s+(DATABASE|TABLE|INDEX|VIEW)|EXEC)\s/,
  },
  {
    // A SQLSTATE compared with an error's code, SQL Server's error numbers, the best-known codes anywhere.
    what: 'an engine error code',
    pattern:
      /\bcode\b.{0,20}'\d{2}[0-9A-Z]{3}'|'\d{2}P\d{2}'|\.number\s*[=!]==?|\.has\([\w.?]*\.number\)|\b(1205|2601|2627|40501|40613|23505)\b/,
  },
];

/**
 * Where a rule is broken on purpose: src/config.ts reads DATABASE_ENGINE (it must name the engines); the local
 * runner is PostgreSQL by design (it starts the embedded server and prints a psql line for the user).
 */
const ALLOWED: Record<string, string[]> = {
  'src/config.ts': ['an engine branch'],
  'src/local/embeddedPostgres.ts': ["an engine's own module"],
  'src/local/banner.ts': ['engine SQL'],
};

/** Each broken rule as `line: what`, comments left out. */
function boundaryProblems(text: string): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
    for (const rule of RULES) if (rule.pattern.test(line)) problems.push(`${i + 1}: ${rule.what}`);
  });
  return problems;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((e) => {
    const path = join(folder, e.name);
    if (e.isDirectory()) return path === join(PROJECT_ROOT, 'src', 'db') ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

describe('engine boundary', () => {
  it('finds each kind of leak in the fixture', () => {
    const fixture = readFileSync(join(PROJECT_ROOT, 'test/fixtures/engine-boundary/leaky.ts.txt'), 'utf8');
    expect(boundaryProblems(fixture)).toEqual([
      '3: an engine driver',
      "4: an engine's own module",
      '7: an engine branch',
      '8: engine SQL',
      '10: engine SQL',
      '12: an engine error code',
    ]);
  });

  it('holds for every module of src/ outside src/db', () => {
    const found: string[] = [];
    for (const path of sourceFiles(join(PROJECT_ROOT, 'src'))) {
      const file = relative(PROJECT_ROOT, path).replaceAll('\\', '/');
      for (const problem of boundaryProblems(readFileSync(path, 'utf8')))
        if (!ALLOWED[file]?.some((what) => problem.endsWith(what))) found.push(`${file}:${problem}`);
    }
    expect(found).toEqual([]);
  });
});

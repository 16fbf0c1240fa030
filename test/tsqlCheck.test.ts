/**
 * `npm run check:tsql` (tools/TsqlCheck): passes on the repository's T-SQL and fails, naming file and line, on
 * each fixture under test/fixtures/tsql/ (applied after the real migrations). Needs the .NET SDK; skipped
 * without it, as the check itself is.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dotnetMissing, ensureBuilt, runTsqlCheck } from '../scripts/check-tsql.js';

const missing = dotnetMissing();
if (missing) console.warn(`test/tsqlCheck.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)(`check:tsql${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('passes on sql/mssql and sql/optional for SQL Server 2025 and Azure SQL Database', () => {
    const run = runTsqlCheck([]);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/SQL Server 2025 model: \d+ definitions, 0 problems/);
    expect(run.stderr).toMatch(/Azure SQL Database model: \d+ definitions, 0 problems/);
    expect(run.status).toBe(0);
  }, 180_000);

  // `exactly`: the fixture also holds look-alikes that are valid, and nothing but the expected lines may be found.
  const cases: { fixture: string; target: string; expected: RegExp[]; exactly?: boolean }[] = [
    {
      fixture: 'syntax-error.sql',
      target: 'none',
      expected: [/^test\/fixtures\/tsql\/syntax-error\.sql:8:39: SQL46010: Incorrect syntax near '='/m],
    },
    {
      fixture: 'unknown-column.sql',
      target: 'sql2025',
      expected: [
        /^test\/fixtures\/tsql\/unknown-column\.sql:8:11: SQL71501: .*\[PiXL\]\.\[Test\]\.\[NoSuchColumn\]/m,
      ],
    },
    {
      fixture: 'wrong-case.sql',
      target: 'azure',
      expected: [/^test\/fixtures\/tsql\/wrong-case\.sql:7:25: SQL71502: .*\[PiXL\]\.\[test\]/m],
    },
    {
      fixture: 'azure-unsupported.sql',
      target: 'azure',
      expected: [
        /^test\/fixtures\/tsql\/azure-unsupported\.sql:3:1: SQL71626: .*not supported in Microsoft Azure SQL Database.*\[Azure SQL Database\]$/m,
      ],
    },
    {
      fixture: 'wrong-arguments.sql',
      target: 'none',
      expected: [
        /^test\/fixtures\/tsql\/wrong-arguments\.sql:6:34: Msg8144: procedure ETL\.usp_ClassifyIPs has too many arguments/m,
        /^test\/fixtures\/tsql\/wrong-arguments\.sql:7:10: Msg313: .*ETL\.IpClassOf/m,
      ],
    },
    {
      fixture: 'temp-table-column.sql',
      target: 'none',
      expected: [
        /^test\/fixtures\/tsql\/temp-table-column\.sql:8:18: Msg207: invalid column name PiXLID/m,
        /^test\/fixtures\/tsql\/temp-table-column\.sql:9:14: Msg207: invalid column name ReceivedAt/m,
      ],
    },
    {
      fixture: 'outer-aggregate.sql',
      target: 'none',
      expected: [
        /^test\/fixtures\/tsql\/outer-aggregate\.sql:8:43: Msg8124: MAX aggregates the outer reference t\.ReceivedAt together with x\.ReceivedAt/m,
      ],
      exactly: true,
    },
    {
      fixture: 'temp-collation.sql',
      target: 'none',
      expected: [
        /^test\/fixtures\/tsql\/temp-collation\.sql:7:21: Msg468: #ip\.IPAddress takes tempdb's collation/m,
        /^test\/fixtures\/tsql\/temp-collation\.sql:11:5: Msg468: #ip\.Network takes tempdb's collation/m,
      ],
      exactly: true,
    },
    {
      fixture: 'query-shape.sql',
      target: 'none',
      expected: [
        /^test\/fixtures\/tsql\/query-shape\.sql:8:14: Msg130: MAX aggregates an expression holding a subquery/m,
        /^test\/fixtures\/tsql\/query-shape\.sql:9:14: Msg4109: a windowed function inside SUM/m,
        /^test\/fixtures\/tsql\/query-shape\.sql:10:34: Msg8155: column 2 of u has no name/m,
        /^test\/fixtures\/tsql\/query-shape\.sql:11:27: Msg8156: column Id is named twice in v/m,
      ],
      exactly: true,
    },
  ];

  it.each(cases)(
    'fails on $fixture, naming its file and line',
    ({ fixture, target, expected, exactly }) => {
      const run = runTsqlCheck(['--target', target, `test/fixtures/tsql/${fixture}`]);
      expect(run.status).toBe(1);
      for (const line of expected) expect(run.stdout).toMatch(line);
      if (exactly) expect(run.stdout.trim().split('\n')).toHaveLength(expected.length);
      // Nothing but the fixture is at fault.
      for (const line of run.stdout.trim().split('\n')) expect(line).toMatch(/^test\/fixtures\/tsql\//);
    },
    180_000,
  );
});

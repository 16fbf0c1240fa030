/** The schema files themselves and the server checks the runner makes before changing anything. */
import { describe, expect, it } from 'vitest';
import { runsInOneTransaction } from '../src/db/batches.js';
import { dependencyOrder, migrationFiles, objectFiles } from '../src/db/migrate.js';
import { mssqlServerProblem, mssqlServerWarnings } from '../src/db/mssql/schema.js';
import { postgresServerProblem } from '../src/db/postgres/schema.js';

const file = (name: string, text: string) => ({ name, path: `${name}.sql`, text, checksum: name });

describe('schema files', () => {
  it('give both engines the same migrations and the same procedures and views', () => {
    const names = (files: { name: string }[]) => files.map((f) => f.name);
    expect(names(migrationFiles('mssql'))).toEqual(names(migrationFiles('postgres')));
    // PostgreSQL alone has the typing helpers that SQL Server's TRY_CAST makes unnecessary, and the row
    // estimate that SQL Server's sys.partitions gives directly.
    const postgresOnly = ['ETL.TableRows', 'ETL.TryBigint', 'ETL.TryBit', 'ETL.TryDecimal', 'ETL.TryInt'];
    expect(names(objectFiles('mssql')).sort()).toEqual(
      names(objectFiles('postgres'))
        .filter((n) => !postgresOnly.includes(n))
        .sort(),
    );
  });

  it('keep procedures, functions and views out of migrations added from now on', () => {
    for (const engine of ['postgres', 'mssql'] as const)
      for (const m of migrationFiles(engine).filter((f) => f.name >= '0050'))
        expect(m.text, m.path).not.toMatch(/CREATE\s+(OR\s+\w+\s+)?(FUNCTION|PROCEDURE|VIEW)\b/i);
  });

  it('change PiXL.Test, the table every hit is written to, one statement at a time from 0050 on', () => {
    for (const engine of ['postgres', 'mssql'] as const)
      for (const m of migrationFiles(engine).filter((f) => f.name >= '0050'))
        if (/ALTER\s+TABLE\s+("PiXL"\."Test"|PiXL\.Test|\[PiXL\]\.\[Test\])/i.test(m.text))
          expect(runsInOneTransaction(m.text), m.path).toBe(false);
  });

  it('orders objects after the objects their code names, whatever the quoting, ignoring comments', () => {
    const ordered = dependencyOrder([
      file('ETL.usp_A', 'SELECT * FROM "ETL"."vw_B" -- mentions ETL.usp_C only in a comment'),
      file('ETL.usp_C', 'EXEC ETL.usp_A'),
      file('ETL.vw_B', 'SELECT [ETL].[Fn_D](1)'),
      file('ETL.Fn_D', 'RETURN 1'),
    ]).map((f) => f.name);
    expect(ordered).toEqual(['ETL.Fn_D', 'ETL.vw_B', 'ETL.usp_A', 'ETL.usp_C']);
    expect(() => dependencyOrder([file('ETL.X', 'ETL.Y'), file('ETL.Y', 'ETL.X')])).toThrow(/cycle/);
    // The real files have an order (no cycle), with helpers before the procedure that calls them.
    const names = objectFiles('postgres').map((f) => f.name);
    expect(names.indexOf('ETL.TryInt')).toBeLessThan(names.indexOf('ETL.usp_ParseNewHits'));
    expect(names.indexOf('ETL.IpTextToBinary')).toBeLessThan(names.indexOf('ETL.IpToBinary'));
  });
});

describe('server checks', () => {
  it('say which PostgreSQL is needed', () => {
    expect(postgresServerProblem({ num: '150008', version: '15.8', encoding: 'UTF8' })).toBe(
      'PostgreSQL 16 or later is needed, found 15.8',
    );
    expect(postgresServerProblem({ num: '180001', version: '18.1', encoding: 'SQL_ASCII' })).toMatch(/UTF8/);
    expect(postgresServerProblem({ num: '160000', version: '16.0', encoding: 'UTF8' })).toBeUndefined();
  });

  it('say which SQL Server and compatibility level are needed', () => {
    const sql2022 = { major: 16, version: '16.0.4135.4', edition: 3, compatibility: 160 };
    expect(mssqlServerProblem(sql2022)).toBe(
      'SQL Server 2025 (17.x) or Azure SQL is needed, found 16.0.4135.4',
    );
    expect(mssqlServerProblem({ ...sql2022, major: 17, compatibility: 150 })).toMatch(
      /compatibility level 160 or later is needed, found 150/,
    );
    expect(mssqlServerWarnings({ ...sql2022, major: 17, readCommittedSnapshot: 0 })[0]).toMatch(
      /READ_COMMITTED_SNAPSHOT is off/,
    );
    expect(mssqlServerWarnings({ ...sql2022, major: 17, readCommittedSnapshot: 1 })).toEqual([]);
    // Azure SQL's default collation is case-insensitive: keys would compare unlike PostgreSQL's.
    expect(
      mssqlServerWarnings({ ...sql2022, major: 17, collation: 'SQL_Latin1_General_CP1_CI_AS' })[0],
    ).toMatch(/collation SQL_Latin1_General_CP1_CI_AS is not binary.*COLLATE Latin1_General_100_BIN2_UTF8/);
    for (const collation of ['Latin1_General_100_BIN2_UTF8', 'Latin1_General_BIN', 'Latin1_General_100_BIN2'])
      expect(mssqlServerWarnings({ ...sql2022, major: 17, collation })).toEqual([]);
    // Azure SQL Database reports its own version numbers: its edition is what counts.
    expect(mssqlServerProblem({ ...sql2022, major: 12, edition: 5, compatibility: 170 })).toBeUndefined();
  });
});

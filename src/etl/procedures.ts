/**
 * Calls the ETL stored procedures the same way on both engines: a PostgreSQL function returning one row, a
 * SQL Server procedure whose first result set is that row. Arguments are passed by name.
 */
import type { DatabaseEngine } from '../config.js';
import type { Row, Warehouse } from '../db/types.js';

const callText: Record<DatabaseEngine, (db: Warehouse, procedure: string, args: string[]) => string> = {
  postgres: (db, procedure, args) =>
    `SELECT * FROM ${db.name(procedure)}(${args.map((a, i) => `${db.name(a)} => $${i + 1}`).join(', ')})`,
  mssql: (db, procedure, args) =>
    `EXEC ${db.name(procedure)} ${args.map((a, i) => `@${a} = $${i + 1}`).join(', ')}`,
};

/** Runs `procedure` (dotted name, e.g. ETL.usp_ParseNewHits) and returns its first row, if any. */
export async function callProcedure(
  db: Warehouse,
  procedure: string,
  args: Record<string, unknown> = {},
): Promise<Row | undefined> {
  const names = Object.keys(args);
  const rows = await db.query(callText[db.engine](db, procedure, names), Object.values(args));
  return rows[0];
}

/** Whether the procedure exists (information_schema.routines answers the same on both engines). */
export async function procedureExists(db: Warehouse, procedure: string): Promise<boolean> {
  const [schema, name] = procedure.split('.');
  const rows = await db.query(
    'SELECT COUNT(*) AS n FROM information_schema.routines WHERE routine_schema = $1 AND routine_name = $2',
    [schema, name],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Numbers of a result row: SQL Server returns BIGINT as a string, PostgreSQL as a number. */
export function numberOf(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return Number(value);
}

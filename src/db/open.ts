/** Opens the configured engine. The only place that knows both engines by name. */
import type { Settings } from '../config.js';
import { MssqlWarehouse } from './mssql/warehouse.js';
import { PostgresWarehouse } from './postgres/warehouse.js';
import type { Warehouse } from './types.js';

export function openWarehouse(database: Settings['database']): Warehouse {
  return database.engine === 'mssql'
    ? new MssqlWarehouse(database.connectionString, database.poolMax)
    : new PostgresWarehouse(database.connectionString, database.poolMax);
}

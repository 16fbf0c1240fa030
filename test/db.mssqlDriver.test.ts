/**
 * What src/db/mssql hands the drivers, checked against the installed mssql and tedious themselves (no server):
 * the bulk load's options reach tedious as TABLOCK (mssql passes them through unchanged, and tedious's own
 * BulkLoad builds the `insert bulk … WITH (…)` clause from them; @types/mssql's `tableLock` is not a name
 * tedious reads), and the pool's validation mode.
 */
import { BulkLoad } from 'tedious';
import { describe, expect, it } from 'vitest';
import { BULK_OPTIONS } from '../src/db/mssql/bulkLoad.js';

describe('SQL Server bulk load options', () => {
  it('ask tedious for TABLOCK', () => {
    const options = BULK_OPTIONS as unknown as ConstructorParameters<typeof BulkLoad>[3];
    const load = new BulkLoad('[dbo].[AutoConsumer]', undefined, {} as never, options, () => {});
    expect(load.getOptionsSql()).toBe(' WITH (TABLOCK)');
  });
});

describe('SQL Server pool', () => {
  it('validates a checked-out connection by its socket, not a SELECT 1 round trip each time', async () => {
    const { MssqlWarehouse } = await import('../src/db/mssql/warehouse.js');
    const db = new MssqlWarehouse('Server=localhost;Database=x;User Id=u;Password=p;Encrypt=false', 2);
    const config = (db as unknown as { pool: { config: Record<string, unknown> } }).pool.config;
    expect(config.validateConnection).toBe('socket');
  });
});

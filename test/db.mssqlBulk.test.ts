/**
 * The options src/db/mssql/bulkLoad.ts gives a bulk load reach tedious as TABLOCK. mssql passes them through
 * unchanged, and tedious's own BulkLoad builds the `insert bulk … WITH (…)` clause from them; @types/mssql's
 * `tableLock` is not a name tedious reads.
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

/**
 * `npm run data:retention`: deletes now everything older than its pixel's retention, and every device, address
 * and visitor nothing refers to any more, in the batches the `etl` timer uses (ETL_RETENTION_BATCH_SIZE).
 */
import { SettingsError, settings } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import { runRetention } from '../privacy/retention.js';

async function main(): Promise<void> {
  const config = settings();
  const db = openWarehouse(config.database);
  try {
    await migrate(db);
    const run = await runRetention(db, config.etl.retentionBatchSize, (line) => console.log(line));
    console.log(JSON.stringify(run));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});

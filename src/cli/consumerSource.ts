/**
 * `npm run db:consumer-source`: points PiXL.AutoConsumerSource at AUTOCONSUMER_TABLE (or back at the local
 * AutoConsumer when it is unset), after checking the table has the columns matching reads.
 */
import { cliSettings, SettingsError } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import { consumerTable, pointConsumerSource } from '../identity/consumerSource.js';

async function main(): Promise<void> {
  const config = cliSettings();
  const db = openWarehouse(config.database);
  try {
    await migrate(db);
    const table = consumerTable(db, config.identity.autoConsumerTable);
    await pointConsumerSource(db, table);
    console.log(`PiXL.AutoConsumerSource now reads ${table}`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof SettingsError ? error.message : error instanceof Error ? error.message : error,
  );
  process.exitCode = 1;
});

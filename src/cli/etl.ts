/**
 * `npm run etl`: one ETL pass by hand (what the `etl` timer does each minute), printing a line per batch and
 * per step. Applies pending migrations first, so the procedures exist.
 */
import { cliSettings, SettingsError } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import { runEtlPass } from '../etl/runEtl.js';

async function main(): Promise<void> {
  const config = cliSettings();
  const db = openWarehouse(config.database);
  try {
    await migrate(db, (line) => console.log(line));
    await runEtlPass(db, config.etl, (line) => console.log(line));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});

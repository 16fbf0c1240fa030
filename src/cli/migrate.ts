/** `npm run db:migrate`: applies pending migrations of the configured engine and prints each. */
import { cliSettings, SettingsError } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';

try {
  const settings = cliSettings();
  const db = openWarehouse(settings.database);
  try {
    console.log(`migrating ${settings.database.engine} database…`);
    const applied = await migrate(db, (line) => console.log(`  ${line}`));
    const count = applied.migrations.length + applied.objects.length;
    console.log(
      count
        ? `applied ${applied.migrations.length} migration(s) and ${applied.objects.length} object(s)`
        : 'already up to date',
    );
  } finally {
    await db.close();
  }
} catch (error) {
  const message =
    error instanceof Error ? error.message || String((error as { code?: string }).code) : String(error);
  console.error(error instanceof SettingsError ? message : `db:migrate failed: ${message}`);
  process.exitCode = 1;
}

/**
 * `npm run ranges:refresh`: downloads the enabled providers' datacenter ranges now (the timer's job) and
 * prints a line per provider. Exits 1 when a provider kept its previous ranges because of a problem.
 */
import { cliSettings, SettingsError } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import { refreshRanges } from '../enrich/ranges/refresh.js';
import { isProblem, reportLine } from '../enrich/ranges/report.js';

async function main(): Promise<void> {
  const config = cliSettings();
  const db = openWarehouse(config.database);
  try {
    await migrate(db);
    const reports = await refreshRanges(db, config.ranges);
    for (const r of reports) console.log(reportLine(r));
    if (reports.some(isProblem)) process.exitCode = 1;
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});

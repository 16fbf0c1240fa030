/**
 * `npm run data:export -- --company ID`: the company's resolved visits as JSON lines (PiXL.CompanyExport):
 * nothing of another company, nothing of a hit that opted out.
 */
import { Command } from 'commander';
import { SettingsError, settings } from '../config.js';
import { openWarehouse } from '../db/open.js';

const program = new Command('data:export')
  .description("One company's resolved visits as JSON lines")
  .requiredOption('--company <id>', 'the company')
  .parse();

async function main(): Promise<void> {
  const { company } = program.opts<{ company: string }>();
  const db = openWarehouse(settings().database);
  try {
    for (const row of await db.exportCompany(company)) console.log(JSON.stringify(row));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});

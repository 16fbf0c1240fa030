/** `npm run db:seed-consumers -- --rows N [--seed S]`: fills the consumer table with synthetic consumers. */
import { Command, InvalidArgumentError } from 'commander';
import { cliSettings, SettingsError } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import { type SeedProgress, seedConsumers } from '../identity/seedConsumers.js';

const count = (min: number) => (value: string) => {
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
  return n;
};
const share = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be between 0 and 1');
  return n;
};

const program = new Command('db:seed-consumers')
  .description('Fill AutoConsumer with realistic synthetic consumers (deterministic for a given --seed)')
  .requiredOption('--rows <n>', 'rows to add', count(0))
  .option('--seed <n>', 'generator seed', count(0), 1)
  .option('--email-share <x>', 'share of rows with an email', share)
  .option('--duplicate-share <x>', 'share of email rows that are newer records of an earlier person', share)
  .option('--table <name>', 'target table (default: AUTOCONSUMER_TABLE, else the local AutoConsumer)')
  .option('--keep-indexes', 'maintain indexes during the load even into an empty table')
  .parse();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const line = (p: SeedProgress) =>
  `  ${fmt(p.rows)} / ${fmt(p.total)} rows  ${fmt(p.rowsPerSecond)} rows/s  ETA ${Math.ceil(p.etaSeconds)} s`;

async function main(): Promise<void> {
  const opts = program.opts<{
    rows: number;
    seed: number;
    emailShare?: number;
    duplicateShare?: number;
    table?: string;
    keepIndexes?: boolean;
  }>();
  const config = cliSettings();
  const db = openWarehouse(config.database);
  try {
    await migrate(db);
    const tty = process.stdout.isTTY;
    const result = await seedConsumers(db, {
      rows: opts.rows,
      seed: opts.seed,
      emailShare: opts.emailShare,
      duplicateShare: opts.duplicateShare,
      table: opts.table ?? config.identity.autoConsumerTable,
      rebuildIndexes: opts.keepIndexes ? 'never' : 'auto',
      onProgress: (p) => (tty ? process.stdout.write(`\r${line(p)}  `) : console.log(line(p))),
    });
    if (tty) process.stdout.write('\n');
    console.log(
      `seeded ${fmt(result.rows)} consumers into ${result.table} (RecordID ${fmt(result.firstRecordId)}..${fmt(result.firstRecordId + result.rows - 1)}): ` +
        `load ${result.loadSeconds.toFixed(1)} s = ${fmt(result.rowsPerSecond)} rows/s`,
    );
    console.log(
      result.indexesRebuilt
        ? `indexes: the table was empty, so they were dropped for the load and rebuilt after it (${result.indexSeconds.toFixed(1)} s)`
        : 'indexes: maintained during the load (the table already had rows)',
    );
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exitCode = 1;
});

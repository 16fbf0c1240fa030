/**
 * `npm run data:erase -- --email ADDRESS | --hid SHA256 [--company ID] [--consumer-file]`: removes every trace of
 * one person and prints what was removed, per table (docs/PRIVACY.md "Erasure").
 */
import { Command } from 'commander';
import { SettingsError, settings } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import { ErasureRequestError, erasePerson } from '../privacy/erase.js';

const program = new Command('data:erase')
  .description(
    'Erase one person: raw hits, parsed rows, visits, matches, visitor links, unreferenced devices and IPs',
  )
  .option(
    '--email <address>',
    'the email address (normalised and hashed here; the database records only the hash)',
  )
  .option('--hid <sha256>', 'the SHA-256 hex of the normalised email, when the address itself is not known')
  .option('--company <id>', 'erase only within this company (default: every company)')
  .option('--consumer-file', "also delete the person's records from the consumer file (AutoConsumer)")
  .option('--scan-all-raw', 'read every raw hit too (slow: a scan of PiXL.Test; see docs/PRIVACY.md)')
  .parse();

async function main(): Promise<void> {
  const opts = program.opts<{
    email?: string;
    hid?: string;
    company?: string;
    consumerFile?: boolean;
    scanAllRaw?: boolean;
  }>();
  const config = settings();
  const db = openWarehouse(config.database);
  try {
    await migrate(db);
    const result = await erasePerson(db, {
      email: opts.email,
      hid: opts.hid,
      companyId: opts.company,
      consumerFile: opts.consumerFile,
      scanAllRaw: opts.scanAllRaw,
    });
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof SettingsError || error instanceof ErasureRequestError ? error.message : error,
  );
  process.exitCode = 1;
});

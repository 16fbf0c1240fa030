/**
 * `npm run pixl -- <command>`: companies, pixels and client params (src/admin/pixels.ts), and the embed
 * snippet of a pixel. Bad input prints one clear message, exits 1 and changes nothing. The running script
 * endpoints pick changes up at their next refresh (PIXEL_CONFIG_REFRESH_SECONDS).
 */
import { Command, InvalidArgumentError } from 'commander';
import {
  AdminInputError,
  addCompany,
  addPixel,
  changeCompany,
  changePixel,
  embedSnippet,
  listPixels,
  paramName,
  removeParam,
  setParam,
} from '../admin/pixels.js';
import { cliSettings, runningLocalRun, SettingsError } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import type { Warehouse } from '../db/types.js';

const flag = (value: string): boolean => {
  if (/^(true|1|yes|on)$/i.test(value)) return true;
  if (/^(false|0|no|off)$/i.test(value)) return false;
  throw new InvalidArgumentError('must be true or false');
};

/** Runs `work` against the configured warehouse (migrated first), printing AdminInputError plainly. */
function withDb(work: (db: Warehouse) => Promise<void>): () => Promise<void> {
  return async () => {
    const db = openWarehouse(cliSettings().database);
    try {
      await migrate(db);
      await work(db);
    } finally {
      await db.close();
    }
  };
}

const program = new Command('pixl')
  .description('Manage SmartPiXL companies, pixels and client params')
  .showHelpAfterError();

program
  .command('list')
  .description('companies, their pixels and client params')
  .option('--json', 'print JSON')
  .action((opts: { json?: boolean }) =>
    withDb(async (db) => {
      const list = await listPixels(db);
      if (opts.json) return void console.log(JSON.stringify(list, null, 2));
      for (const c of list) {
        console.log(`${c.companyId}  ${c.companyName}${c.companyActive ? '' : '  (inactive)'}`);
        for (const p of c.pixels) {
          console.log(`  pixel ${p.pixelId}  ${p.name}${p.active ? '' : '  (inactive)'}`);
          for (const x of p.params) console.log(`    ${x.name} <- ${x.selector}`);
        }
      }
    })(),
  );

const company = program.command('company').description('add or change a company');
company.command('add <companyId> <name>').action((id: string, name: string) =>
  withDb(async (db) => {
    await addCompany(db, id, name);
    console.log(`added company ${id}`);
  })(),
);
company
  .command('set <companyId>')
  .option('--name <name>', 'new name')
  .option('--active <bool>', 'true or false', flag)
  .action((id: string, opts: { name?: string; active?: boolean }) =>
    withDb(async (db) => {
      await changeCompany(db, id, opts);
      console.log(`changed company ${id}`);
    })(),
  );

const pixel = program.command('pixel').description('add or change a pixel');
pixel.command('add <companyId> <pixelId> <name>').action((companyId: string, pixelId: string, name: string) =>
  withDb(async (db) => {
    await addPixel(db, companyId, pixelId, name);
    console.log(`added pixel ${companyId}/${pixelId}`);
  })(),
);
pixel
  .command('set <companyId> <pixelId>')
  .option('--name <name>', 'new name')
  .option('--active <bool>', 'true or false', flag)
  .action((companyId: string, pixelId: string, opts: { name?: string; active?: boolean }) =>
    withDb(async (db) => {
      await changePixel(db, companyId, pixelId, opts);
      console.log(`changed pixel ${companyId}/${pixelId}`);
    })(),
  );

const param = program.command('param').description("set or remove a pixel's client params");
param
  .command('set <companyId> <pixelId> <name> <selector>')
  .description('send the value of the element matching <selector> as _cp_<name>')
  .action((companyId: string, pixelId: string, name: string, selector: string) =>
    withDb(async (db) => {
      const done = await setParam(db, companyId, pixelId, name, selector);
      console.log(`${done} ${paramName(name)} on ${companyId}/${pixelId}`);
    })(),
  );
param
  .command('remove <companyId> <pixelId> <name>')
  .action((companyId: string, pixelId: string, name: string) =>
    withDb(async (db) => {
      await removeParam(db, companyId, pixelId, name);
      console.log(`removed ${name} from ${companyId}/${pixelId}`);
    })(),
  );

program
  .command('snippet <companyId> <pixelId>')
  .description('print the embed tag of a pixel')
  .option('--base-url <url>', 'host serving the script (default: PIXEL_BASE_URL, else the running npm start)')
  .action((companyId: string, pixelId: string, opts: { baseUrl?: string }) => {
    const base =
      opts.baseUrl ??
      // No database is needed for this: unusable settings only mean no configured base URL.
      (() => {
        try {
          return cliSettings().collector.pixelBaseUrl;
        } catch {
          return undefined;
        }
      })() ??
      runningLocalRun()?.url ??
      'https://YOUR-PIXEL-HOST';
    console.log(embedSnippet(base, companyId, pixelId));
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof AdminInputError || error instanceof SettingsError) console.error(error.message);
  else console.error(error);
  process.exitCode = 1;
});

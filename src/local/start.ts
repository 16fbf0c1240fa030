/**
 * `npm start`: the whole pipeline on one machine without Core Tools. Starts Azurite's queue service and the
 * embedded PostgreSQL (data under .data/), applies migrations, then serves the function definitions.
 * Ctrl-C stops everything it started.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type LocalRun, localRunFile, parseLocalSettings, parseSettings, SettingsError } from '../config.js';
import { migrate } from '../db/migrate.js';
import { openWarehouse } from '../db/open.js';
import { seedLocalConsumers } from '../identity/seedConsumers.js';
import { PROJECT_ROOT } from '../runtime/paths.js';
import { startAzuriteQueue } from './azurite.js';
import { startBanner } from './banner.js';
import { demoEmailFor } from './demoEmail.js';
import { startEmbeddedPostgres } from './embeddedPostgres.js';
import { startLocalHost } from './host.js';

const log = (line: string) => console.log(`[smartpixl] ${line}`);

async function main(): Promise<void> {
  const local = parseLocalSettings(process.env);
  const dataDir = resolve(PROJECT_ROOT, local.LOCAL_DATA_DIR);
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    log(`starting Azurite queue service on port ${local.AZURITE_QUEUE_PORT} (data in ${dataDir}/azurite)`);
    const azurite = await startAzuriteQueue({
      port: local.AZURITE_QUEUE_PORT,
      location: resolve(dataDir, 'azurite'),
    });
    stops.push(azurite.stop);

    let databaseUrl = local.DATABASE_URL;
    if (!databaseUrl) {
      log(`starting embedded PostgreSQL on port ${local.LOCAL_PG_PORT} (data in ${dataDir}/postgres)`);
      const postgres = await startEmbeddedPostgres({
        dataDir: resolve(dataDir, 'postgres'),
        port: local.LOCAL_PG_PORT,
        database: 'smartpixl',
      });
      stops.push(postgres.stop);
      databaseUrl = postgres.url;
    }

    const settings = parseSettings({
      SPILL_DIR: resolve(dataDir, 'spill'),
      ...process.env,
      DATABASE_ENGINE: 'postgres',
      DATABASE_URL: databaseUrl,
      AzureWebJobsStorage: azurite.connectionString,
    });
    const db = openWarehouse(settings.database);
    const applied = await migrate(db, (line) => log(line));
    const changed = [...applied.migrations, ...applied.objects];
    log(changed.length ? `schema applied: ${changed.join(', ')}` : 'database schema is up to date');
    // A small synthetic consumer file, so a local hit with a known email resolves to an identity.
    await seedLocalConsumers(db, local.LOCAL_SEED_CONSUMERS, log);
    await db.close();
    const demoEmail = demoEmailFor(local.LOCAL_SEED_CONSUMERS);

    const host = await startLocalHost(settings, { port: local.LOCAL_HTTP_PORT });
    stops.unshift(host.stop);
    log(`functions: ${host.functionNames.join(', ')}`);
    // The CLIs (npm run etl, pixl, db:seed-consumers, …) read this file to find the services while this runs.
    const runFile = localRunFile();
    const run: LocalRun = {
      pid: process.pid,
      url: host.url,
      databaseUrl,
      queueConnection: azurite.connectionString,
    };
    writeFileSync(runFile, `${JSON.stringify(run, null, 2)}\n`);
    // Removed first when stopping (stops run in reverse), before the slower service stops.
    stops.push(async () => rmSync(runFile, { force: true }));
    console.log(
      startBanner({
        url: host.url,
        demoEmail,
        databaseUrl,
        queueName: settings.queue.name,
        queueEndpoint: azurite.connectionString.match(/QueueEndpoint=([^;]+)/)?.[1],
      }),
    );
  } catch (error) {
    console.error(error instanceof SettingsError ? error.message : error);
    await stopAll(1);
  }
}

void main();

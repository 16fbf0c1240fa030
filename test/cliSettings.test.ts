/** The CLIs beside a running `npm start` find its database through LOCAL_DATA_DIR/local-run.json. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  cliSettings,
  type LocalRun,
  localRunFile,
  queueToolSettings,
  runningLocalRun,
} from '../src/config.js';

describe('CLI settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartpixl-run-'));
  const run = (pid: number): LocalRun => ({
    pid,
    url: 'http://localhost:7071',
    databaseUrl: 'postgres://postgres:smartpixl@localhost:54329/smartpixl',
    queueConnection: 'UseDevelopmentStorage=true',
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(join(dir, 'local-run.json'), { force: true });
  });

  it("use the running npm start's database when no database is set", () => {
    vi.stubEnv('LOCAL_DATA_DIR', dir);
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('SQL_CONNECTION_STRING', '');
    expect(() => cliSettings()).toThrow(/while `npm start` runs in another terminal/);
    writeFileSync(localRunFile(), JSON.stringify(run(process.pid)));
    expect(runningLocalRun()?.url).toBe('http://localhost:7071');
    expect(cliSettings().database.connectionString).toBe(run(process.pid).databaseUrl);
    // A set DATABASE_URL wins over the file.
    vi.stubEnv('DATABASE_URL', 'postgres://elsewhere/db');
    expect(cliSettings().database.connectionString).toBe('postgres://elsewhere/db');
  });

  it('ignore a file left by a run that is gone', () => {
    vi.stubEnv('LOCAL_DATA_DIR', dir);
    // The highest pid Linux hands out is below 2^22.
    writeFileSync(localRunFile(), JSON.stringify(run(2 ** 22 + 1)));
    expect(runningLocalRun()).toBeUndefined();
  });

  it('of the queue tools need no database, and still check every other setting', () => {
    expect(() => queueToolSettings({})).not.toThrow();
    expect(queueToolSettings({ PIXEL_QUEUE_NAME: 'hits-b' }).queue.name).toBe('hits-b');
    expect(() => queueToolSettings({ ENQUEUE_RETRY_BUDGET_MS: 'soon' })).toThrow(/ENQUEUE_RETRY_BUDGET_MS/);
  });
});

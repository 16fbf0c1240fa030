import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_SETTING_NAMES, parseSettings, SETTING_NAMES, SettingsError } from '../src/config.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

describe('settings', () => {
  it('are all listed in docs/SETTINGS.md', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'SETTINGS.md'), 'utf8');
    const missing = [...SETTING_NAMES, ...LOCAL_SETTING_NAMES].filter((name) => !doc.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('fail with one message naming every bad value', () => {
    let error: unknown;
    try {
      parseSettings({
        DATABASE_URL: 'postgres://x',
        TRUSTED_PROXY_HOPS: '0',
        CLIENT_IP_SOURCES: 'x-evil',
        PIXEL_QUEUE_NAME: 'Bad_Name',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    for (const name of ['TRUSTED_PROXY_HOPS', 'CLIENT_IP_SOURCES', 'PIXEL_QUEUE_NAME'])
      expect(message).toContain(name);
  });

  it('require the connection string of the chosen engine', () => {
    expect(() => parseSettings({})).toThrow(/DATABASE_URL: is required/);
    expect(() => parseSettings({ DATABASE_ENGINE: 'mssql' })).toThrow(/SQL_CONNECTION_STRING: is required/);
    expect(parseSettings({ SQL_CONNECTION_STRING: 'Server=x' }).database.engine).toBe('mssql');
  });

  it('refuse a timer schedule that is not six-field NCRONTAB or never fires, naming the setting', () => {
    const base = { DATABASE_URL: 'postgres://x' };
    expect(() => parseSettings({ ...base, RANGES_SCHEDULE: 'every day' })).toThrow(
      /RANGES_SCHEDULE: must be a six-field/,
    );
    expect(() => parseSettings({ ...base, ETL_SCHEDULE: '0 */1 * * * foo' })).toThrow(
      /ETL_SCHEDULE: is not a schedule that fires/,
    );
    // 31 February: valid fields, no run ever.
    expect(() => parseSettings({ ...base, ETL_SCHEDULE: '0 0 0 31 2 *' })).toThrow(
      /ETL_SCHEDULE: is not a schedule/,
    );
    expect(parseSettings({ ...base, ETL_SCHEDULE: '*/30 * * * * *' }).etl.schedule).toBe('*/30 * * * * *');
  });

  it('keep the ETL time budget under the function timeout', () => {
    expect(() => parseSettings({ DATABASE_URL: 'postgres://x', ETL_TIME_BUDGET_MS: '600000' })).toThrow(
      /ETL_TIME_BUDGET_MS/,
    );
  });

  it('require a connection for each parse lane and one for the numbering', () => {
    const base = { DATABASE_URL: 'postgres://x', ETL_PARSE_LANES: '4' };
    expect(() => parseSettings({ ...base, DB_POOL_MAX: '4' })).toThrow(
      /DB_POOL_MAX: must be at least ETL_PARSE_LANES \+ 1 \(5\)/,
    );
    expect(parseSettings({ ...base, DB_POOL_MAX: '5' }).etl.parseLanes).toBe(4);
  });

  it('take an identity-based queue connection when no connection string is given', () => {
    const s = parseSettings({
      DATABASE_URL: 'postgres://x',
      AzureWebJobsStorage__accountName: 'acct',
      AzureWebJobsStorage__clientId: 'id',
      AzureWebJobsStorage__credential: 'managedidentity',
    });
    expect(s.queue.connection).toEqual({ serviceUri: 'https://acct.queue.core.windows.net', clientId: 'id' });
  });

  it("refuse a user-assigned identity's client id without credential=managedidentity, which the host needs", () => {
    const secondary = {
      DATABASE_URL: 'postgres://x',
      SECONDARY_QUEUE_STORAGE__accountName: 'second',
      SECONDARY_QUEUE_STORAGE__clientId: 'id',
    };
    expect(() => parseSettings(secondary)).toThrow(
      /SECONDARY_QUEUE_STORAGE__credential: must be managedidentity when SECONDARY_QUEUE_STORAGE__clientId is set/,
    );
    expect(
      parseSettings({ ...secondary, SECONDARY_QUEUE_STORAGE__credential: 'managedidentity' }).queue
        .secondaryConnection,
    ).toEqual({ serviceUri: 'https://second.queue.core.windows.net', clientId: 'id' });
  });
});

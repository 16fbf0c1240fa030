/**
 * The collector script endpoint through the local runner against a real PostgreSQL: ids, placeholders, the
 * client params of PiXL.ConfigClientParam, ETag revalidation, HEAD, /api/ and PIXEL_BASE_URL; the params
 * cache (last good copy while the database is down); the build's size budget and prompting-API check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { promptingApiUses } from '../scripts/build-collector.js';
import {
  CLIENT_PARAMS_PLACEHOLDER,
  COLLECTOR_BUILD_PATH,
  PIXEL_URL_PLACEHOLDER,
  renderCollector,
} from '../src/capture/collectorScript.js';
import { PixelConfigCache } from '../src/capture/pixelConfig.js';
import { parseSettings } from '../src/config.js';
import { PostgresWarehouse } from '../src/db/postgres/warehouse.js';
import { type LocalHost, startLocalHost } from '../src/local/host.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';

const postgres = enginesUnderTest().find((e) => e.name === 'postgres');

/** The JSON values the endpoint put where the placeholders were. */
function filledIn(body: string) {
  const template = readFileSync(COLLECTOR_BUILD_PATH, 'utf8');
  const [before, rest] = template.split(PIXEL_URL_PLACEHOLDER) as [string, string];
  const [middle, after] = rest.split(CLIENT_PARAMS_PLACEHOLDER) as [string, string];
  expect(body.startsWith(before) && body.endsWith(after)).toBe(true);
  const inner = body.slice(before.length, body.length - after.length);
  const urlEnd = inner.indexOf(middle);
  return {
    url: JSON.parse(inner.slice(0, urlEnd)) as string,
    params: JSON.parse(inner.slice(urlEnd + middle.length)) as [string, string][],
  };
}

describe('collector script endpoint', () => {
  let t: TestDatabase;
  let host: LocalHost;

  beforeAll(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create();
    host = await startLocalHost(
      parseSettings({
        DATABASE_URL: t.connectionString,
        AzureWebJobsStorage: inject('azuriteConnectionString'),
      }),
      { port: 0, timers: false, only: ['script', 'script-api'], demo: false },
    );
  });
  afterAll(async () => {
    await host?.stop();
    await t?.drop();
  });

  it('fills in the pixel URL and the seeded client params of 12800/1', async () => {
    const res = await fetch(`${host.url}/js/12800/1.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(filledIn(await res.text())).toEqual({
      url: `${host.url}/12800/1_SMART.GIF`,
      params: [
        ['email', '#email-input'],
        ['hid', '#hashed-id'],
      ],
    });
  });

  it('sends no params for a pixel without any, and the /api/ pixel URL when asked under /api/', async () => {
    const res = await fetch(`${host.url}/api/js/acme/7.JS`);
    expect(res.status).toBe(200);
    expect(filledIn(await res.text())).toEqual({ url: `${host.url}/api/acme/7_SMART.GIF`, params: [] });
  });

  it('answers 304 to its own ETag, and HEAD without a body', async () => {
    const first = await fetch(`${host.url}/js/12800/1.js`);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await fetch(`${host.url}/js/12800/1.js`, { headers: { 'If-None-Match': `W/${etag}` } });
    expect(again.status).toBe(304);
    const other = await fetch(`${host.url}/js/12800/1.js`, { headers: { 'If-None-Match': '"stale"' } });
    expect(other.status).toBe(200);
    const head = await fetch(`${host.url}/js/12800/1.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
    expect(await head.text()).toBe('');
  });

  it('answers 400 with a JS comment for bad ids', async () => {
    for (const path of ['/js/bad%20id/1.js', '/js/12800/a.b.js', `/js/${'x'.repeat(65)}/1.js`]) {
      const res = await fetch(`${host.url}${path}`);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
      expect(await res.text()).toMatch(/^\/\* SmartPiXL: .* \*\/\n$/);
    }
  });
});

describe('pixel URL base', () => {
  it('takes PIXEL_BASE_URL without a trailing slash and refuses a query string', () => {
    const base = { DATABASE_URL: 'postgres://x' };
    expect(parseSettings({ ...base, PIXEL_BASE_URL: 'https://px.example.com/' }).collector.pixelBaseUrl).toBe(
      'https://px.example.com',
    );
    expect(() => parseSettings({ ...base, PIXEL_BASE_URL: 'https://px.example.com/?a=1' })).toThrow(
      /PIXEL_BASE_URL/,
    );
    expect(() => parseSettings({ ...base, PIXEL_BASE_URL: 'ftp://px.example.com' })).toThrow(
      /PIXEL_BASE_URL/,
    );
  });

  it('is what the endpoint fills in: the setting when set, else the request origin (with /api under /api/)', async () => {
    const { pixelBase } = await import('../src/functions/script.js');
    expect(pixelBase('http://h:7071/js/1/2.js', 'https://px.example.com')).toBe('https://px.example.com');
    expect(pixelBase('http://h:7071/js/1/2.js', undefined)).toBe('http://h:7071');
    expect(pixelBase('http://h:7071/API/js/1/2.js', undefined)).toBe('http://h:7071/api');
  });

  it('renders values with $ patterns and quotes literally', () => {
    const template = `a=${PIXEL_URL_PLACEHOLDER};b=${CLIENT_PARAMS_PLACEHOLDER};`;
    const { body } = renderCollector(template, 'https://h/$&\'"/1_SMART.GIF', [['x', "input[name='$1']"]]);
    expect(body).toBe(`a="https://h/$&'\\"/1_SMART.GIF";b=[["x","input[name='$1']"]];`);
    expect(() => renderCollector('no placeholders', 'https://h', [])).toThrow(/exactly once/);
  });
});

describe('client params cache', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await (postgres as NonNullable<typeof postgres>).create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('loads, refreshes on demand, and keeps the last good copy while the database is unreachable', async () => {
    let source = t.db;
    const errors: unknown[] = [];
    const cache = new PixelConfigCache(
      { clientParams: () => source.clientParams() },
      { refreshMs: 60_000, onError: (e) => errors.push(e) },
    );
    await cache.ready();
    expect(cache.getClientParams('12800', '1')).toEqual([
      ['email', '#email-input'],
      ['hid', '#hashed-id'],
    ]);
    const version = cache.version;

    await t.db.query(
      `INSERT INTO "PiXL"."ConfigClientParam" ("CompanyID", "PiXLID", "ParamName", "DomSelector")
       VALUES ('12800', '1', '_cp_name', '#name')`,
    );
    expect(cache.getClientParams('12800', '1')).toHaveLength(2);
    expect(await cache.refresh()).toBe(true);
    expect(cache.getClientParams('12800', '1').map(([n]) => n)).toEqual(['email', 'hid', 'name']);
    expect(cache.version).toBe(version + 1);

    const dead = new PostgresWarehouse('postgres://postgres:x@127.0.0.1:1/none');
    source = dead;
    expect(await cache.refresh()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(cache.getClientParams('12800', '1').map(([n]) => n)).toEqual(['email', 'hid', 'name']);
    await dead.close();
    cache.stop();

    // On its timer: a param added meanwhile is served after the next refresh, with no call to refresh().
    const timed = new PixelConfigCache({ clientParams: () => t.db.clientParams() }, { refreshMs: 200 });
    await timed.ready();
    await t.db.query(
      `INSERT INTO "PiXL"."ConfigClientParam" ("CompanyID", "PiXLID", "ParamName", "DomSelector")
       VALUES ('12800', '1', '_cp_phone', '#phone')`,
    );
    const deadline = Date.now() + 10_000;
    while (timed.getClientParams('12800', '1').length < 4 && Date.now() < deadline) await sleep(50);
    timed.stop();
    expect(timed.getClientParams('12800', '1').map(([n]) => n)).toEqual(['email', 'hid', 'name', 'phone']);

    // An inactive pixel has no params.
    await t.db.query(`UPDATE "PiXL"."Pixel" SET "IsActive" = false WHERE "CompanyID" = '12800'`);
    source = t.db;
    expect(await cache.refresh()).toBe(true);
    expect(cache.getClientParams('12800', '1')).toEqual([]);
  });
});

describe('collector build', () => {
  it('stays within 12 KB gzipped', () => {
    const size = gzipSync(readFileSync(COLLECTOR_BUILD_PATH), { level: 9 }).length;
    expect(size).toBeLessThanOrEqual(12 * 1024);
  });

  it('names no API that can raise a permission prompt (and the check finds them in a fixture)', () => {
    expect(promptingApiUses(readFileSync(COLLECTOR_BUILD_PATH, 'utf8'))).toEqual([]);
    const fixture = readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'collector', 'prompting.js'), 'utf8');
    expect(promptingApiUses(fixture)).toEqual([
      'geolocation',
      'getCurrentPosition',
      'requestPermission',
      'getUserMedia',
      '.share',
    ]);
  });
});

describe.each(enginesUnderTest())('Warehouse.clientParams on $name', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('reads the params of active pixels of active companies, in id order', async () => {
    const n = (x: string) => t.db.name(x);
    await t.db.query(
      `INSERT INTO ${n('PiXL.Company')} (${n('CompanyID')}, ${n('CompanyName')}) VALUES ($1, $2)`,
      ['B2', 'Other'],
    );
    for (const [pixel, active] of [
      ['z', true],
      ['a', true],
      ['off', false],
    ] as const) {
      await t.db.query(
        `INSERT INTO ${n('PiXL.Pixel')} (${n('CompanyID')}, ${n('PiXLID')}, ${n('PixelName')}, ${n('IsActive')})
         VALUES ($1, $2, $3, $4)`,
        ['B2', pixel, pixel, active],
      );
      await t.db.query(
        `INSERT INTO ${n('PiXL.Config')} (${n('CompanyID')}, ${n('PiXLID')}) VALUES ($1, $2)`,
        ['B2', pixel],
      );
      await t.db.query(
        `INSERT INTO ${n('PiXL.ConfigClientParam')} (${n('CompanyID')}, ${n('PiXLID')}, ${n('ParamName')}, ${n('DomSelector')})
         VALUES ($1, $2, $3, $4)`,
        ['B2', pixel, '_cp_zip', `#zip-${pixel}`],
      );
    }
    expect(await t.db.clientParams()).toEqual([
      { companyId: '12800', pixelId: '1', paramName: '_cp_email', domSelector: '#email-input' },
      { companyId: '12800', pixelId: '1', paramName: '_cp_hid', domSelector: '#hashed-id' },
      { companyId: 'B2', pixelId: 'a', paramName: '_cp_zip', domSelector: '#zip-a' },
      { companyId: 'B2', pixelId: 'z', paramName: '_cp_zip', domSelector: '#zip-z' },
    ]);
    await t.db.query(`UPDATE ${n('PiXL.Company')} SET ${n('IsActive')} = $1 WHERE ${n('CompanyID')} = $2`, [
      false,
      'B2',
    ]);
    expect((await t.db.clientParams()).map((r) => r.companyId)).toEqual(['12800', '12800']);
  });
});

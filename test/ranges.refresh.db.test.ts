import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings, useSettings } from '../src/config.js';
import { addressKey, keyToText, stepKey } from '../src/enrich/ip.js';
import { flattenRanges } from '../src/enrich/ranges/flatten.js';
import { PROVIDER_FORMATS } from '../src/enrich/ranges/providers.js';
import { type RangeSettings, refreshRanges } from '../src/enrich/ranges/refresh.js';
import { type IpRange, PROVIDERS, type Provider } from '../src/enrich/ranges/types.js';
import { InvocationContext } from '../src/runtime/azureFunctions.js';
import { closeServices } from '../src/runtime/services.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { fixtureBodies, fixtureText, publishedBlockCount } from './support/rangeFixtures.js';
import { type RangeServer, startRangeServer } from './support/rangeServer.js';

/** What TypeScript makes of each fixture: the rows a refresh must store. */
const expected = Object.fromEntries(
  PROVIDERS.map((p) => [
    p,
    flattenRanges(PROVIDER_FORMATS[p].parse(fixtureBodies(p)).ranges, PROVIDER_FORMATS[p].rank),
  ]),
) as Record<Provider, IpRange[]>;

/** The provider SQL must answer for an address: the first by name among those whose ranges hold it. */
function expectedProvider(ip: string): Provider | undefined {
  const key = addressKey(ip) as Buffer;
  return [...PROVIDERS]
    .sort()
    .find((p) =>
      expected[p].some((r) => Buffer.compare(r.start, key) <= 0 && Buffer.compare(r.end, key) >= 0),
    );
}

describe.each(enginesUnderTest())('datacenter range refresh on $name', (engine) => {
  let t: TestDatabase;
  let server: RangeServer;
  let config: RangeSettings;
  const sql = (text: string) => text.replace(/\{([\w.]+)\}/g, (_, n: string) => t.db.name(n));

  beforeAll(async () => {
    t = await engine.create();
    server = await startRangeServer();
    config = {
      providers: [...PROVIDERS],
      urls: server.urls(),
      schedule: '0 30 3 * * *',
      timeoutMs: 10_000,
      maxBytes: 5_000_000,
      minKeepRatio: 0.5,
    };
  });
  afterAll(async () => {
    await server?.close();
    await t?.drop();
  });

  const state = async () => {
    const rows = await t.db.query<{
      Provider: Provider;
      RangeCount: number;
      LastStatus: string;
      LastError: string | null;
      ChangedAt: Date;
      ETag: string | null;
    }>(
      sql(
        'SELECT {Provider}, {RangeCount}, {LastStatus}, {LastError}, {ChangedAt}, {ETag} FROM {ETL.RangeRefresh}',
      ),
    );
    return Object.fromEntries(rows.map((r) => [r.Provider, r])) as Record<Provider, (typeof rows)[number]>;
  };
  const storedCounts = async () => {
    const rows = await t.db.query<{ Provider: Provider; n: number }>(
      sql('SELECT {Provider}, COUNT(*) AS n FROM {PiXL.DatacenterRange} GROUP BY {Provider}'),
    );
    return Object.fromEntries(rows.map((r) => [r.Provider, Number(r.n)]));
  };
  const lookup = async (ip: string) => {
    const [row] = await t.db.query<{
      Provider: string;
      Cidr: string;
      Region: string | null;
      Service: string | null;
    }>(sql('SELECT {Provider}, {Cidr}, {Region}, {Service} FROM {ETL.DatacenterOf}($1)'), [addressKey(ip)]);
    return row;
  };
  const byProvider = (reports: Awaited<ReturnType<typeof refreshRanges>>) =>
    Object.fromEntries(reports.map((r) => [r.provider, r]));
  const allCounts = () => Object.fromEntries(PROVIDERS.map((p) => [p, expected[p].length]));

  it('loads all seven providers with every published block', async () => {
    const reports = byProvider(await refreshRanges(t.db, config));
    for (const p of PROVIDERS) {
      expect([p, reports[p]?.status, reports[p]?.error]).toEqual([p, 'loaded', undefined]);
      expect(reports[p]?.published).toBe(publishedBlockCount(p));
      expect(reports[p]?.ranges).toBe(expected[p].length);
    }
    expect(await storedCounts()).toEqual(allCounts());
    // Plausible sizes: the big clouds publish thousands of blocks, Cloudflare a couple of dozen.
    expect(expected.aws.length).toBeGreaterThan(5000);
    expect(expected.azure.length).toBeGreaterThan(50_000);
    expect(expected.cloudflare.length).toBe(22);
    const s = await state();
    expect(s.cloudflare.ETag?.split('\n')).toHaveLength(2);
  });

  it('finds the provider, block, region and service of an address with a range seek', async () => {
    expect(await lookup('3.5.141.7')).toEqual({
      Provider: 'aws',
      Cidr: '3.5.140.0/22',
      Region: 'ap-northeast-2',
      Service: 'S3',
    });
    expect(await lookup('2600:1f18::1')).toEqual({
      Provider: 'aws',
      Cidr: '2600:1f18::/33',
      Region: 'us-east-1',
      Service: 'EC2',
    });
    expect(await lookup('34.35.12.34')).toEqual({
      Provider: 'gcp',
      Cidr: '34.35.0.0/16',
      Region: 'africa-south1',
      Service: 'Google Cloud',
    });
    expect(await lookup('20.7.239.202')).toEqual({
      Provider: 'azure',
      Cidr: '20.7.239.202/32',
      Region: 'eastus2',
      Service: 'ActionGroup',
    });
    expect(await lookup('52.160.0.1')).toMatchObject({
      Provider: 'azure',
      Cidr: '52.160.0.0/16',
      Region: 'westus',
    });
    expect(await lookup('129.80.1.1')).toMatchObject({
      Provider: 'oracle',
      Region: 'us-ashburn-1',
      Service: 'OCI',
    });
    expect(await lookup('5.101.96.10')).toMatchObject({ Provider: 'digitalocean', Region: 'NL-NH' });
    expect(await lookup('2600:3c00::5')).toMatchObject({ Provider: 'linode', Region: 'US-TX' });
    expect(await lookup('104.16.1.1')).toMatchObject({ Provider: 'cloudflare', Cidr: '104.16.0.0/13' });
    expect(await lookup('8.8.8.8')).toBeUndefined();
    expect(await lookup('10.1.1.1')).toBeUndefined();
    // The first and last address of sampled ranges of every provider, and the addresses just outside.
    for (const p of PROVIDERS) {
      const step = Math.max(1, Math.floor(expected[p].length / 15));
      for (const r of expected[p].filter((_, i) => i % step === 0)) {
        const keys = [r.start, r.end, stepKey(r.start, -1), stepKey(r.end, 1)];
        for (const text of keys.map(keyToText)) {
          expect([text, (await lookup(text))?.Provider]).toEqual([text, expectedProvider(text)]);
        }
      }
    }
    // ~450 lookups: ~17 s on an idle 2-core machine, several times that while it is loaded.
  }, 300_000);

  it('keeps the data when every file answers 304 Not Modified', async () => {
    const before = await state();
    const reports = await refreshRanges(t.db, config);
    expect(reports.map((r) => r.status)).toEqual(PROVIDERS.map(() => 'not-modified'));
    expect([...server.requests.values()].every((r) => r.notModified === 1)).toBe(true);
    const after = await state();
    for (const p of PROVIDERS) expect(after[p].ChangedAt).toEqual(before[p].ChangedAt);
    expect(await storedCounts()).toEqual(allCounts());
  });

  it('changes nothing when a file without validators is the same again', async () => {
    const before = await state();
    server.fault('google-cloud-ip-ranges.json', 'noValidators');
    const reports = byProvider(await refreshRanges(t.db, { ...config, providers: ['gcp'] }));
    server.fault('google-cloud-ip-ranges.json', undefined);
    expect(reports.gcp?.status).toBe('unchanged');
    expect((await state()).gcp.ChangedAt).toEqual(before.gcp.ChangedAt);
  });

  it('keeps a failed provider’s ranges and touches no other provider', async () => {
    const before = await state();
    server.fault('google-cloud-ip-ranges.json', 'http500');
    server.fault('aws-ip-ranges.json', 'truncated');
    server.fault('oracle-cloud-ip-ranges.json', 'html');
    server.fault('linode.txt', 'oversized');
    server.fault('cloudflare-v6-ip-ranges.txt', 'http500');
    const reports = byProvider(await refreshRanges(t.db, config));
    for (const f of [
      'google-cloud-ip-ranges.json',
      'aws-ip-ranges.json',
      'oracle-cloud-ip-ranges.json',
      'linode.txt',
      'cloudflare-v6-ip-ranges.txt',
    ])
      server.fault(f, undefined);

    expect(reports.gcp).toMatchObject({ status: 'failed', error: expect.stringContaining('HTTP 500') });
    expect(reports.aws).toMatchObject({ status: 'failed', error: expect.stringContaining('truncated') });
    expect(reports.oracle).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('not an Oracle'),
    });
    expect(reports.linode).toMatchObject({ status: 'failed', error: expect.stringContaining('oversized') });
    expect(reports.cloudflare).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('HTTP 500'),
    });
    expect(reports.azure?.status).toBe('not-modified');
    expect(reports.digitalocean?.status).toBe('not-modified');
    expect(await storedCounts()).toEqual(allCounts());
    const after = await state();
    for (const p of PROVIDERS) expect(after[p].ChangedAt).toEqual(before[p].ChangedAt);
    expect(after.gcp).toMatchObject({ LastStatus: 'failed', LastError: expect.stringContaining('HTTP 500') });
    expect(await lookup('34.35.12.34')).toMatchObject({ Provider: 'gcp' });
    expect(await lookup('3.5.141.7')).toMatchObject({ Provider: 'aws' });
  });

  it('refuses a download that shrinks a provider by more than half, and an empty one', async () => {
    const doc = JSON.parse(fixtureText('aws-ip-ranges.json'));
    const third = (a: unknown[]) => a.slice(0, Math.floor(a.length / 3));
    server.fault('aws-ip-ranges.json', {
      body: JSON.stringify({
        ...doc,
        prefixes: third(doc.prefixes),
        ipv6_prefixes: third(doc.ipv6_prefixes),
      }),
    });
    server.fault('google-cloud-ip-ranges.json', { body: JSON.stringify({ syncToken: '1', prefixes: [] }) });
    const reports = byProvider(await refreshRanges(t.db, { ...config, providers: ['aws', 'gcp'] }));
    server.fault('aws-ip-ranges.json', undefined);
    server.fault('google-cloud-ip-ranges.json', undefined);
    expect(reports.aws).toMatchObject({ status: 'refused', error: expect.stringContaining('shrinks') });
    expect(reports.gcp).toMatchObject({ status: 'refused', error: 'no ranges in the download' });
    expect(await storedCounts()).toEqual(allCounts());
    expect((await state()).aws.LastStatus).toBe('refused');
  });

  it('replaces only the provider whose file changed, and records when its ranges changed', async () => {
    const before = await state();
    const v4 = 'cloudflare-v4-ip-ranges.txt';
    server.fault(v4, { body: `${fixtureText(v4)}\n1.1.1.0/24\n` });
    const reports = byProvider(await refreshRanges(t.db, config));
    server.fault(v4, undefined);
    expect(reports.cloudflare).toMatchObject({ status: 'loaded', ranges: 23 });
    // gcp's last answer had no validators (above): it is read whole and found unchanged.
    for (const p of PROVIDERS.filter((x) => x !== 'cloudflare'))
      expect([p, reports[p]?.status]).toEqual([p, p === 'gcp' ? 'unchanged' : 'not-modified']);
    const after = await state();
    expect(after.cloudflare.ChangedAt.getTime()).toBeGreaterThan(before.cloudflare.ChangedAt.getTime());
    expect(after.aws.ChangedAt).toEqual(before.aws.ChangedAt);
    expect(await lookup('1.1.1.1')).toMatchObject({ Provider: 'cloudflare', Cidr: '1.1.1.0/24' });
    expect(await storedCounts()).toEqual({ ...allCounts(), cloudflare: 23 });
  });

  it('runs as the datacenter-ranges timer function', async () => {
    const env: Record<string, string> =
      engine.name === 'mssql'
        ? { DATABASE_ENGINE: 'mssql', SQL_CONNECTION_STRING: t.connectionString }
        : { DATABASE_URL: t.connectionString };
    const urls = server.urls();
    useSettings(
      parseSettings({
        ...env,
        RANGES_PROVIDERS: 'gcp,cloudflare',
        RANGES_URL_GCP: urls.gcp.join(','),
        RANGES_URL_CLOUDFLARE: urls.cloudflare.join(','),
      }),
    );
    const { datacenterRangesFunction } = await import('../src/functions/datacenterRanges.js');
    expect(datacenterRangesFunction).toMatchObject({ name: 'datacenter-ranges', schedule: '0 30 3 * * *' });
    const lines: string[] = [];
    const context = new InvocationContext({
      functionName: 'datacenter-ranges',
      logHandler: (_level, ...args) => lines.push(args.join(' ')),
    });
    try {
      await datacenterRangesFunction.handler(
        { isPastDue: false, schedule: { adjustForDST: true } } as never,
        context,
      );
    } finally {
      await closeServices();
    }
    // The cloudflare file is back to its original: loaded again; gcp is unchanged (304).
    expect(lines.some((l) => /gcp\s+not-modified/.test(l))).toBe(true);
    expect(lines.some((l) => /cloudflare\s+loaded\s+22 ranges/.test(l))).toBe(true);
  });
});

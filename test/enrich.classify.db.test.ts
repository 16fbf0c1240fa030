import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey } from '../src/enrich/ip.js';
import { type RangeSettings, refreshRanges } from '../src/enrich/ranges/refresh.js';
import { numberOf } from '../src/etl/procedures.js';
import { toHitRow } from '../src/writer/hitRows.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { makeHit } from './support/hits.js';
import { parseBatch } from './support/parseBatch.js';
import { fixtureText } from './support/rangeFixtures.js';
import { type RangeServer, startRangeServer } from './support/rangeServer.js';

/** Address, then what ETL.usp_ClassifyIPs must write once the AWS, GCP, Azure and Cloudflare ranges are in. */
const IPS: [string, string, string | null][] = [
  ['3.5.141.7', 'Public', 'aws'],
  ['2600:1f18::1', 'Public', 'aws'],
  ['34.35.12.34', 'Public', 'gcp'],
  ['20.7.239.202', 'Public', 'azure'],
  ['52.160.0.1', 'Public', 'azure'],
  ['8.8.8.8', 'Public', null],
  ['10.1.2.3', 'Private', null],
  ['100.64.0.1', 'CGNAT', null],
  ['::1', 'Loopback', null],
  ['fe80::1', 'LinkLocal', null],
  ['2001:db8::7', 'Documentation', null],
  ['255.255.255.255', 'Broadcast', null],
  ['not-an-ip', 'Invalid', null],
];

describe.each(enginesUnderTest())('ETL.usp_ClassifyIPs on $name', (engine) => {
  let t: TestDatabase;
  let server: RangeServer;
  let config: RangeSettings;
  const sql = (text: string) => text.replace(/\{([\w.]+)\}/g, (_, n: string) => t.db.name(n));
  const classify = async (batchSize: number) => {
    const row = await t.db.callProcedure('ETL.usp_ClassifyIPs', { BatchSize: batchSize });
    return { rows: numberOf(row?.RowsClassified), datacenter: numberOf(row?.DatacenterIPs) };
  };
  const ipRows = async () => {
    const rows = await t.db.query<{
      IPAddress: string;
      IpType: string | null;
      IsDatacenter: boolean | null;
      DatacenterProvider: string | null;
      IpBinary: Buffer | null;
    }>(sql('SELECT {IPAddress}, {IpType}, {IsDatacenter}, {DatacenterProvider}, {IpBinary} FROM {PiXL.IP}'));
    return new Map(rows.map((r) => [r.IPAddress, r]));
  };

  beforeAll(async () => {
    t = await engine.create();
    server = await startRangeServer();
    const urls = server.urls();
    config = {
      providers: ['aws', 'gcp', 'azure', 'cloudflare'],
      urls,
      schedule: '0 30 3 * * *',
      timeoutMs: 10_000,
      maxBytes: 5_000_000,
      minKeepRatio: 0.5,
    };
    const now = new Date().toISOString().slice(0, 23);
    for (const [ip] of IPS) {
      await t.db.query(
        sql(
          'INSERT INTO {PiXL.IP} ({IPAddress}, {FirstSeen}, {LastSeen}, {HitCount}) VALUES ($1, $2, $2, 1)',
        ),
        [ip, now],
      );
    }
  });
  afterAll(async () => {
    await server?.close();
    await t?.drop();
  });

  it('classifies new IPs in batches, before any ranges are loaded', async () => {
    expect(await classify(5)).toEqual({ rows: 5, datacenter: 0 });
    expect(await classify(5)).toEqual({ rows: 5, datacenter: 0 });
    expect(await classify(5)).toEqual({ rows: IPS.length - 10, datacenter: 0 });
    expect(await classify(5)).toEqual({ rows: 0, datacenter: 0 });
    const rows = await ipRows();
    for (const [ip, ipType] of IPS)
      expect([ip, rows.get(ip)?.IpType, rows.get(ip)?.IsDatacenter]).toEqual([ip, ipType, false]);
  });

  it('re-classifies every IP once the ranges change, finding each datacenter by its provider', async () => {
    const reports = await refreshRanges(t.db, config);
    expect(reports.every((r) => r.status === 'loaded')).toBe(true);
    const datacenter = IPS.filter(([, , p]) => p).length;
    expect(await classify(50_000)).toEqual({ rows: IPS.length, datacenter });
    expect(await classify(50_000)).toEqual({ rows: 0, datacenter: 0 });
    const rows = await ipRows();
    for (const [ip, ipType, provider] of IPS) {
      const row = rows.get(ip);
      expect([ip, row?.IpType, row?.IsDatacenter, row?.DatacenterProvider]).toEqual([
        ip,
        ipType,
        provider !== null,
        provider,
      ]);
      const key = row?.IpBinary ? Buffer.from(row.IpBinary).toString('hex') : null;
      expect([ip, key]).toEqual([ip, addressKey(ip)?.toString('hex') ?? null]);
    }
  });

  it('leaves IPs alone when nothing changed, and re-classifies after one provider changes', async () => {
    expect((await refreshRanges(t.db, config)).map((r) => r.status)).toEqual(
      config.providers.map(() => 'not-modified'),
    );
    expect(await classify(50_000)).toEqual({ rows: 0, datacenter: 0 });

    // Cloudflare now also lists 8.8.8.0/24: 8.8.8.8 becomes a datacenter address on the next pass.
    const v4 = 'cloudflare-v4-ip-ranges.txt';
    server.fault(v4, { body: `${fixtureText(v4)}\n8.8.8.0/24\n` });
    const reports = await refreshRanges(t.db, { ...config, providers: ['cloudflare'] });
    server.fault(v4, undefined);
    expect(reports[0]?.status).toBe('loaded');
    const datacenter = IPS.filter(([, , p]) => p).length + 1;
    expect(await classify(50_000)).toEqual({ rows: IPS.length, datacenter });
    expect((await ipRows()).get('8.8.8.8')).toMatchObject({
      IsDatacenter: true,
      DatacenterProvider: 'cloudflare',
    });
  });

  it('classifies the IP rows the parse makes from raw hits', async () => {
    const hits: [string, string, string | null][] = [
      ['3.5.143.250', 'Public', 'aws'],
      ['34.35.200.1', 'Public', 'gcp'],
      ['52.160.77.1', 'Public', 'azure'],
      ['10.20.30.40', 'Private', null],
      ['2a00:1450:4007:80c::200e', 'Public', null],
    ];
    await t.db.insertHits(hits.map(([ip]) => toHitRow(makeHit({ ip }))));
    // Another file's open transaction can hold the parse horizon for a moment: parse until the rows are in.
    const deadline = Date.now() + 20_000;
    while ((await ipRows()).size < IPS.length + hits.length && Date.now() < deadline)
      await parseBatch(t.db, 100);
    expect(await classify(50_000)).toEqual({ rows: hits.length, datacenter: 3 });
    const rows = await ipRows();
    for (const [ip, ipType, provider] of hits) {
      const row = rows.get(ip);
      expect([ip, row?.IpType, row?.IsDatacenter, row?.DatacenterProvider]).toEqual([
        ip,
        ipType,
        provider !== null,
        provider,
      ]);
    }
  });
});

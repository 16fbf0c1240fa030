import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseAddress } from '../src/capture/clientIp.js';
import { addressKey } from '../src/enrich/ip.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';
import { edgeCases, FIXED_CASES } from './support/ipClassCases.js';
import { IP_CLASS_RANGES } from './support/ipClassModel.js';

/** Names in braces are quoted for the engine: one statement text for both. */
const sqlFor = (t: TestDatabase, text: string) =>
  text.replace(/\{([\w.]+)\}/g, (_, n: string) => t.db.name(n));

/** Deterministic pseudo-random addresses (xorshift), normalised as the capture stores them. */
function randomAddresses(n: number): string[] {
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const bytes = Array.from({ length: i % 2 ? 16 : 4 }, () => next() & 0xff);
    // Runs of zero groups, so "::" compression shows up in many places.
    if (i % 4 === 1) bytes.fill(0, 2 + (next() % 8), 6 + (next() % 10));
    out.push(ipaddr.fromByteArray(bytes).toString());
  }
  return out;
}

describe.each(enginesUnderTest())('IP classes in SQL on $name', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  const classify = async (ip: string | null) => {
    const [row] = await t.db.query<{ IpBinary: Buffer | null; IpClass: string }>(
      sqlFor(
        t,
        'SELECT b.{IpBinary}, (SELECT c.{IpClass} FROM {ETL.IpClassOf}(b.{IpBinary}) c) AS {IpClass} FROM {ETL.IpToBinary}($1) b',
      ),
      [ip],
    );
    return { key: row?.IpBinary ? Buffer.from(row.IpBinary) : null, ipClass: row?.IpClass };
  };

  it('seeds PiXL.IpClassRange with exactly the TypeScript class ranges', async () => {
    const rows = await t.db.query<{ StartAddress: Buffer; EndAddress: Buffer; IpClass: string }>(
      sqlFor(
        t,
        'SELECT {StartAddress}, {EndAddress}, {IpClass} FROM {PiXL.IpClassRange} ORDER BY {StartAddress}',
      ),
    );
    expect(
      rows.map((r) => [
        Buffer.from(r.StartAddress).toString('hex'),
        Buffer.from(r.EndAddress).toString('hex'),
        r.IpClass,
      ]),
    ).toEqual(IP_CLASS_RANGES.map((r) => [r.start.toString('hex'), r.end.toString('hex'), r.ipClass]));
  });

  it('classifies every block edge, IPv6 and mapped IPv4 as the TypeScript module does', async () => {
    // The capture stores addresses normalised (mapped IPv4 reduced to IPv4): SQL reads that form.
    const cases = [...FIXED_CASES, ...edgeCases()].map(([ip, expected]) => [
      normaliseAddress(ip) ?? ip,
      expected,
    ]);
    for (const [ip, expected] of cases) {
      expect([ip, (await classify(ip as string)).ipClass]).toEqual([ip, expected]);
    }
    expect((await classify(null)).ipClass).toBe('Invalid');
  });

  it('turns address text into the same 16-byte key as TypeScript, and garbage into NULL', async () => {
    const valid = [
      ...randomAddresses(300),
      ...edgeCases().map(([ip]) => ip),
      '2001:DB8::1',
      'FE80::ABCD',
      '2001:0db8:0000:0000:0000:0000:0000:0001',
      '1:2:3:4:5:6:7::',
      '::2:3:4:5:6:7:8',
      '1:2:3:4:5:6::8',
    ];
    for (const ip of valid) {
      const { key } = await classify(ip);
      expect([ip, key?.toString('hex')]).toEqual([ip, addressKey(ip)?.toString('hex')]);
    }
    for (const [ip, expected] of FIXED_CASES.filter(([, c]) => c === 'Invalid')) {
      expect([ip, (await classify(ip)).key]).toEqual([ip, expected === 'Invalid' ? null : expect.anything()]);
    }
    for (const ip of [
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3.-4',
      '1..3.4',
      '.1.2.3',
      '1.2.3.',
      '[1].2.3.4',
      '::ffff:1.2.3.4x',
      'é::1',
    ]) {
      expect([ip, (await classify(ip)).key]).toEqual([ip, null]);
    }
  });
});

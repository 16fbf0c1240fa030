/** The real published range files (test/fixtures/ip-ranges) and which provider reads which. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../../src/enrich/ranges/types.js';
import { PROJECT_ROOT } from '../../src/runtime/paths.js';

export const FIXTURE_DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'ip-ranges');

export const FIXTURE_FILES: Record<Provider, string[]> = {
  aws: ['aws-ip-ranges.json'],
  gcp: ['google-cloud-ip-ranges.json'],
  azure: ['microsoft-azure-ip-ranges.json'],
  oracle: ['oracle-cloud-ip-ranges.json'],
  digitalocean: ['digitalocean.csv'],
  linode: ['linode.txt'],
  cloudflare: ['cloudflare-v4-ip-ranges.txt', 'cloudflare-v6-ip-ranges.txt'],
};

export const fixtureText = (file: string): string => readFileSync(join(FIXTURE_DIR, file), 'utf8');
export const fixtureBodies = (provider: Provider): string[] => FIXTURE_FILES[provider].map(fixtureText);

/** Blocks in each file, counted independently of the parsers (JSON paths and non-comment lines). */
export function publishedBlockCount(provider: Provider): number {
  const [first] = fixtureBodies(provider);
  const lines = (text: string) => text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).length;
  switch (provider) {
    case 'aws': {
      const doc = JSON.parse(first ?? '');
      return doc.prefixes.length + doc.ipv6_prefixes.length;
    }
    case 'gcp':
      return JSON.parse(first ?? '').prefixes.length;
    case 'azure':
      return JSON.parse(first ?? '').values.reduce(
        (n: number, v: { properties: { addressPrefixes: unknown[] } }) =>
          n + v.properties.addressPrefixes.length,
        0,
      );
    case 'oracle':
      return JSON.parse(first ?? '').regions.reduce(
        (n: number, r: { cidrs: unknown[] }) => n + r.cidrs.length,
        0,
      );
    default:
      return fixtureBodies(provider).reduce((n, t) => n + lines(t), 0);
  }
}

/**
 * The metric names the operations side depends on are the names the code records: every `smartpixl.<name>`
 * an alert rule or the workbook queries (infra/), and every name docs/DEPLOY.md lists under "What to watch",
 * is recorded somewhere in src/ by count, record or gauge (src/runtime/metrics.ts); and every name the code
 * records is listed there. A wrong name in a log query is not an error to Azure: the alert just never fires.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** A name with its variable parts (`${…}` in code, `<…>` in the docs) written as `*`. */
const normalise = (name: string) => name.replace(/\$\{[^}]*\}|<[^>]*>/g, '*');
const pattern = (name: string) =>
  new RegExp(`^${normalise(name).replace(/[.-]/g, '\\$&').replace(/\*/g, '[^.]+')}$`);

/** Names recorded in src/: the strings of the first argument of count, record and gauge (`a ? 'x' : 'y'` too). */
function recordedNames(): string[] {
  const names = new Set<string>();
  for (const file of sourceFiles('src'))
    for (const call of read(file).matchAll(/\b(?:count|record|gauge)\(([^,)]*)/g))
      for (const m of (call[1] as string).matchAll(/(['`])([^'`]+)\1/g)) names.add(normalise(m[2] as string));
  return [...names].sort();
}

/** `smartpixl.<name>` in a log query; a name that only prefixes others (`startswith`) counts as one. */
function queriedNames(text: string): string[] {
  return [
    ...new Set([...text.matchAll(/smartpixl\.([A-Za-z0-9_.-]*[A-Za-z0-9_-])/g)].map((m) => m[1] as string)),
  ];
}

/** The names of the metric table in DEPLOY.md's "What to watch" (first column, backticked, with a dot). */
function documentedNames(deploy: string): string[] {
  const section = deploy.split('## What to watch')[1]?.split('Alert rules')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string))
    .filter((name) => name.includes('.'))
    .map(normalise);
}

/** Referenced names no recorded name matches (a `startswith` prefix matches the names it prefixes). */
function unknownNames(referenced: string[], recorded: string[]): string[] {
  return referenced.filter(
    (name) =>
      !recorded.some(
        (r) => r === normalise(name) || pattern(r).test(name) || normalise(r).startsWith(`${name}.`),
      ),
  );
}

describe('metric names', () => {
  const recorded = recordedNames();

  it('finds the names the code records (the check reads src/ as it should)', () => {
    expect(recorded).toEqual(
      expect.arrayContaining(['pixel.accepted', 'pixel.dropped.*', 'etl.parseLag', 'spill.spilledHits']),
    );
  });

  it('flags a name nothing records (the hits-lost alert once queried smartpixl.spilled)', () => {
    const query = 'customMetrics | where name in ("smartpixl.pixel.lost", "smartpixl.spilled")';
    expect(unknownNames(queriedNames(query), recorded)).toEqual(['spilled']);
    expect(unknownNames(['pixel.dropped', 'pixel.dropped.bad-id', 'etl.parse.Parsed'], recorded)).toEqual([]);
  });

  it('queried by the alert rules and the workbook are recorded by the code', () => {
    for (const file of ['infra/monitoring.bicep', 'infra/workbook.json', 'infra/main.bicep'])
      expect({ file, unknown: unknownNames(queriedNames(read(file)), recorded) }).toEqual({
        file,
        unknown: [],
      });
  });

  it('listed in docs/DEPLOY.md are recorded, and every recorded one is listed', () => {
    const documented = documentedNames(read('docs/DEPLOY.md'));
    expect(documented.length).toBeGreaterThan(20);
    expect(unknownNames(documented, recorded)).toEqual([]);
    const undocumented = recorded.filter((r) => !documented.some((d) => d === r || pattern(r).test(d)));
    expect(undocumented).toEqual([]);
  });
});

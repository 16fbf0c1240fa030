/**
 * `npm run check:infra`: the Bicep in infra/ passes, and a Bicep file with a wrong resource property (which
 * the Bicep CLI only warns about, then builds) fails it. Skipped where dotnet is absent, as the check is.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

const hasDotnet = spawnSync('dotnet', ['--version'], { stdio: 'ignore' }).status === 0;
const checkInfra = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/check-infra.ts'), ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });

describe.skipIf(!hasDotnet)('check:infra', () => {
  it('fails on the fixture with a wrong resource property, naming it', () => {
    const r = checkInfra('test/fixtures/bicep');
    expect(r.stdout).toContain('wrong-property.bicep:11:5 Warning BCP089');
    expect(r.status).toBe(1);
  }, 180_000);

  it('passes on infra/', () => {
    const r = checkInfra();
    expect(r.stdout).toContain('infra/main.bicep: built and linted');
    expect(r.status).toBe(0);
  }, 180_000);
});

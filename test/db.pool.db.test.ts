/**
 * The warehouse's pool keeps idle connections between ETL ticks (src/db/types.ts POOL_IDLE_TIMEOUT_MS): a
 * parse after a pause of more than `pg`'s default idle timeout (10 s) runs on the same backend, whose caches
 * and mapped shared memory are warm. Kept connections must not keep a finished process alive.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';

const postgres = enginesUnderTest().filter((e) => e.name === 'postgres');

describe.each(postgres)('pooled connections on $name', (engine) => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await engine.create({ empty: true });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('keeps an idle connection past pg’s default idle timeout of 10 s', async () => {
    const backend = async () => (await t.db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]?.pid;
    const before = await backend();
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect(await backend()).toBe(before);
  }, 30_000);

  it('lets a process that never closed its pool exit once its connections are idle', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'test/fixtures/scripts/idlePool.ts'), t.connectionString],
      { timeout: 60_000 },
    );
    expect(stdout).toContain('queried 1');
  }, 90_000);
});

/** The spill's files: records, torn and corrupt lines, files a gone process left, and `npm run spill:replay`. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { decodeHitMessage, encodeHitMessage } from '../src/queue/hitMessage.js';
import { queueClient } from '../src/queue/hitQueue.js';
import { encodeRecord, readSpillFile, SpillStore, spillBacklog } from '../src/queue/spill.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { makeHit } from './support/hits.js';

const root = mkdtempSync(join(tmpdir(), 'smartpixl-spill-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const freshDir = () => mkdtempSync(join(root, 'd-'));

/** A pid no process has (above the kernel's pid_max of 4194304). */
const GONE_PID = 4_999_999;

describe('spill files', () => {
  it('appends records that read back in order; a sealed segment is waiting, oldest first', async () => {
    const dir = freshDir();
    const store = new SpillStore(dir);
    await store.append('1:first');
    await store.append('2:second');
    expect(store.hasOpenRecords).toBe(true);
    // The open segment is this process's own: not offered for sending until sealed.
    expect(await store.waiting()).toEqual([]);
    await store.seal();
    await store.append('3:third');
    await store.seal();
    const waiting = await store.waiting();
    expect(waiting).toHaveLength(2);
    expect((await readSpillFile(waiting[0]?.path as string)).records).toEqual(['1:first', '2:second']);
    expect((await readSpillFile(waiting[1]?.path as string)).records).toEqual(['3:third']);
    expect((await spillBacklog(dir)).files).toBe(2);
  });

  it('skips a torn last line and keeps a line whose checksum fails apart', async () => {
    const dir = freshDir();
    const path = join(dir, `0000000000001-000000-${GONE_PID}-abc.spill`);
    writeFileSync(path, `${encodeRecord('1:good')}${encodeRecord('1:bad').replace('bad', 'bed')}`);
    appendFileSync(path, encodeRecord('1:torn').slice(0, 10));
    expect(await readSpillFile(path)).toEqual({
      records: ['1:good'],
      corrupt: [encodeRecord('1:bad').replace('bad', 'bed').trimEnd()],
      torn: 1,
    });
  });

  it("takes over the open and claimed files of a process that is gone, but not a live process's", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, `0000000000001-000000-${GONE_PID}-dead01.open`), encodeRecord('1:a'));
    writeFileSync(join(dir, `0000000000002-000000-${GONE_PID}-dead01.sending`), encodeRecord('1:b'));
    // The test runner's parent is alive and its file fresh: left alone.
    writeFileSync(join(dir, `0000000000003-000000-${process.ppid}-live01.open`), encodeRecord('1:c'));
    const store = new SpillStore(dir);
    const waiting = await store.waiting();
    expect(waiting.map((f) => f.name)).toEqual([
      `0000000000001-000000-${GONE_PID}-dead01.spill`,
      `0000000000002-000000-${GONE_PID}-dead01.spill`,
    ]);
    const claimed = await store.claim(waiting[0] as (typeof waiting)[number]);
    expect(claimed?.name).toBe(`0000000000001-000000-${process.pid}-${store.owner}.sending`);
    // A second store (another process) cannot claim the same file.
    expect(await new SpillStore(dir).claim(waiting[0] as (typeof waiting)[number])).toBeUndefined();
  });
});

describe('npm run spill:replay', () => {
  const connection = inject('azuriteConnectionString');

  it('sends a copied spill to the queue, keeps corrupt records, and deletes the file once all are accepted', async () => {
    const dir = freshDir();
    const queueName = `replay-${randomBytes(4).toString('hex')}`;
    const hits = Array.from({ length: 5 }, (_, i) => makeHit({ queryString: `replay=${i}` }));
    const bodies = [
      await encodeHitMessage(hits.slice(0, 2).map((h) => JSON.stringify(h))),
      await encodeHitMessage(hits.slice(2).map((h) => JSON.stringify(h))),
    ];
    const file = join(dir, 'copied-from-instance-7.spill');
    writeFileSync(
      file,
      `${encodeRecord(`2:${bodies[0]}`)}0badc0de 1:garbage\n${encodeRecord(`3:${bodies[1]}`)}`,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/spillReplay.ts'), dir],
      { env: { ...process.env, AzureWebJobsStorage: connection, PIXEL_QUEUE_NAME: queueName } },
    );
    expect(stdout).toContain('5 hits in 2 messages');
    const received = await queueClient(connection, queueName).receiveMessages({ numberOfMessages: 32 });
    const landed = await Promise.all(
      received.receivedMessageItems.map((m) =>
        decodeHitMessage(Buffer.from(m.messageText, 'base64').toString()),
      ),
    );
    expect(landed.flatMap((d) => d.hits.map((h) => h.queryString)).sort()).toEqual(
      hits.map((h) => h.queryString).sort(),
    );
    const left = readdirSync(dir);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/\.corrupt$/);
    expect(readFileSync(join(dir, left[0] as string), 'utf8')).toBe('0badc0de 1:garbage\n');
  });
});

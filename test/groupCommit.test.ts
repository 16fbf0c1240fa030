import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GroupCommitQueue } from '../src/queue/groupCommit.js';
import { decodeHitMessage } from '../src/queue/hitMessage.js';
import { makeHit } from './support/hits.js';

/** A queue stand-in that records bodies and takes `latencyMs` to accept each (a function passed in). */
function recordingSender(latencyMs: number, failWhen: (n: number) => boolean = () => false) {
  const bodies: string[] = [];
  let calls = 0;
  const send = async (body: string) => {
    const n = calls++;
    await sleep(latencyMs);
    if (failWhen(n)) throw new Error('queue unavailable');
    bodies.push(body);
  };
  return { send, bodies };
}

async function hitsIn(bodies: string[]) {
  const decoded = await Promise.all(
    bodies.map((b) => decodeHitMessage(Buffer.from(b, 'base64').toString('utf8'))),
  );
  return decoded.flatMap((d) => d.hits);
}

describe('group commit', () => {
  it('answers a hit only after the message holding it is accepted', async () => {
    const { send, bodies } = recordingSender(30);
    const q = new GroupCommitQueue(send, { windowMs: 2, maxHitsPerMessage: 100, maxConcurrentSends: 4 });
    let answered = false;
    const done = q.add(makeHit()).then((ok) => {
      answered = ok;
    });
    await sleep(15);
    expect(answered).toBe(false);
    expect(bodies).toHaveLength(0);
    await done;
    expect(answered).toBe(true);
    expect(bodies).toHaveLength(1);
  });

  it('packs concurrent hits into few messages and loses or duplicates none', async () => {
    const { send, bodies } = recordingSender(20);
    const q = new GroupCommitQueue(send, { windowMs: 3, maxHitsPerMessage: 400, maxConcurrentSends: 2 });
    const hits = Array.from({ length: 600 }, (_, i) =>
      makeHit({ queryString: `i=${i}&${'sw=1920&'.repeat(50)}` }),
    );
    const results = await Promise.all(hits.map((h) => q.add(h)));
    expect(results.every(Boolean)).toBe(true);
    const landed = await hitsIn(bodies);
    expect(landed.map((h) => h.hitId).sort()).toEqual(hits.map((h) => h.hitId).sort());
    expect(bodies.length).toBeLessThanOrEqual(10);
  });

  it('keeps a hit too large for one message, cut and flagged, instead of losing it', async () => {
    const { send, bodies } = recordingSender(1);
    const failures: string[] = [];
    const q = new GroupCommitQueue(send, { windowMs: 2, maxHitsPerMessage: 10, maxConcurrentSends: 2 }, (e) =>
      failures.push(String(e)),
    );
    const random = (bytes: number) =>
      Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('base64url');
    // Each text within its own cap (16 KiB query, 2,000 characters a header): together beyond a message.
    const headers = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-Long-${i}`, random(1500)]));
    const hit = makeHit({
      queryString: `r=${random(12_000)}`,
      headers,
      userAgent: random(1500),
      referer: random(1500),
    });
    expect(await q.add(hit)).toBe(true);
    expect(failures).toEqual([]);
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.length).toBeLessThanOrEqual(64 * 1024);
    const [landed] = await hitsIn(bodies);
    expect(landed?.hitId).toBe(hit.hitId);
    expect(landed?.queryTruncated).toBe(true);
    expect(hit.queryString.startsWith(landed?.queryString ?? 'none')).toBe(true);
    expect(landed?.queryString.length).toBeGreaterThan(1000);
  });

  it('keeps every message under the 64 KiB limit with hard-to-compress hits', async () => {
    const { send, bodies } = recordingSender(1);
    const q = new GroupCommitQueue(send, { windowMs: 5, maxHitsPerMessage: 5000, maxConcurrentSends: 4 });
    const random = () => Buffer.from(crypto.getRandomValues(new Uint8Array(3000))).toString('base64url');
    const hits = Array.from({ length: 200 }, () => makeHit({ queryString: `r=${random()}` }));
    expect((await Promise.all(hits.map((h) => q.add(h)))).every(Boolean)).toBe(true);
    expect(Math.max(...bodies.map((b) => b.length))).toBeLessThanOrEqual(64 * 1024);
    expect(await hitsIn(bodies)).toHaveLength(200);
    expect(q.stats.hits).toBe(200);
  });

  it('reports a failed message to the failure handler and answers its hits false', async () => {
    const { send } = recordingSender(1, (n) => n === 0);
    const failures: number[] = [];
    const q = new GroupCommitQueue(
      send,
      { windowMs: 1, maxHitsPerMessage: 3, maxConcurrentSends: 1 },
      (_e, _b, n) => failures.push(n),
    );
    const results = await Promise.all(Array.from({ length: 6 }, () => q.add(makeHit())));
    expect(results).toEqual([false, false, false, true, true, true]);
    expect(failures).toEqual([3]);
    expect(q.stats.failedHits).toBe(3);
  });
});

import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHitMessage, encodeHitMessage, MalformedMessageError } from '../src/queue/hitMessage.js';
import { makeHit } from './support/hits.js';

/** The inner text the queue trigger hands over (the host undoes the outer base64). */
const inner = (body: string) => Buffer.from(body, 'base64').toString('utf8');

describe('hit message format', () => {
  it('round-trips hits through a Brotli (SPX2.) message', async () => {
    const hits = [makeHit({ queryString: 'a=1&é=ü' }), makeHit({ queryString: '' })];
    const body = await encodeHitMessage(hits.map((h) => JSON.stringify(h)));
    expect(inner(body).startsWith('SPX2.')).toBe(true);
    expect((await decodeHitMessage(inner(body))).hits).toEqual(hits);
    // The outer-encoded body, as a message peeked from the queue, decodes too.
    expect((await decodeHitMessage(body)).hits).toEqual(hits);
  });

  it('still decodes gzip (SPX1.) messages written before Brotli, e.g. waiting in a queue or a spill', async () => {
    const hit = makeHit({ queryString: 'old=1' });
    const gzip = gzipSync(JSON.stringify({ v: 1, hits: [hit] })).toString('base64');
    const body = Buffer.from(`SPX1.${gzip}`, 'ascii').toString('base64');
    expect((await decodeHitMessage(inner(body))).hits).toEqual([hit]);
    expect((await decodeHitMessage(body)).hits).toEqual([hit]);
  });

  it('refuses a message whose data is not what its prefix says', async () => {
    const gzip = gzipSync(JSON.stringify({ v: 1, hits: [] })).toString('base64');
    await expect(decodeHitMessage(`SPX2.${gzip}`)).rejects.toThrow(MalformedMessageError);
    await expect(decodeHitMessage('SPX3.abc')).rejects.toThrow(MalformedMessageError);
  });
});

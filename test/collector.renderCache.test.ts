/** The collector script's render cache (src/capture/collectorScript.ts) is bounded by size, not by count. */
import { describe, expect, it } from 'vitest';
import { type RenderedScript, RenderedScripts } from '../src/capture/collectorScript.js';

const SCRIPT_CHARS = 23_000;
const script = (id: string): RenderedScript => ({ body: id.padEnd(SCRIPT_CHARS, 'x'), etag: `"${id}"` });

/** A cache of `budget` characters, and what it rendered (not served from the cache). */
function cacheOf(budget: number) {
  const cache = new RenderedScripts(budget);
  const rendered: string[] = [];
  const get = (id: string, version = 1) =>
    cache.get(version, id, () => {
      rendered.push(id);
      return script(id);
    });
  return { get, rendered };
}

describe('rendered collector scripts', () => {
  it('hold as many scripts as their byte budget takes, evicting the least recently used', () => {
    const fits = 43; // 43 × 23,000 ≤ 1,000,000 < 44 × 23,000
    const { get, rendered } = cacheOf(1_000_000);
    for (let i = 0; i < 2000; i++) get(`random-${i}`);
    expect(rendered).toHaveLength(2000);
    // The latest 43 are still cached; the one before them was evicted.
    for (let i = 2000 - fits; i < 2000; i++) get(`random-${i}`);
    expect(rendered).toHaveLength(2000);
    get(`random-${2000 - fits - 1}`);
    expect(rendered).toHaveLength(2001);
  });

  it('keep a script in use while random ids stream past', () => {
    const { get, rendered } = cacheOf(1_000_000);
    get('popular');
    for (let i = 0; i < 2000; i++) {
      get(`random-${i}`);
      if (i % 10 === 0) get('popular');
    }
    expect(rendered.filter((id) => id === 'popular')).toHaveLength(1);
  });

  it('render again after the params changed version', () => {
    const { get, rendered } = cacheOf(1_000_000);
    get('p');
    get('p');
    get('p', 2);
    expect(rendered).toEqual(['p', 'p']);
  });
});

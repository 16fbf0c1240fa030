/** The collector script's render cache (src/capture/collectorScript.ts) is bounded by size, not by count. */
import { describe, expect, it } from 'vitest';
import { type RenderedScript, RenderedScripts } from '../src/capture/collectorScript.js';

const script = (id: string): RenderedScript => ({ body: `/*${id}*/${'x'.repeat(23_000)}`, etag: `"${id}"` });

describe('rendered collector scripts', () => {
  it('hold at most their byte budget under random ids, keeping the recently used', () => {
    const cache = new RenderedScripts(1_000_000);
    let renders = 0;
    const get = (id: string) =>
      cache.get(1, id, () => {
        renders++;
        return script(id);
      });
    get('popular');
    for (let i = 0; i < 2000; i++) {
      get(`random-${i}`);
      if (i % 10 === 0) get('popular');
      expect(cache.size).toBeLessThanOrEqual(1_000_000);
    }
    // 2,000 random ids rendered once each; the popular script stayed cached throughout.
    expect(renders).toBe(2001);
    expect(get('popular').etag).toBe('"popular"');
    expect(renders).toBe(2001);
  });

  it('renders again after the params changed version', () => {
    const cache = new RenderedScripts();
    let renders = 0;
    const render = () => {
      renders++;
      return script('p');
    };
    cache.get(1, 'p', render);
    cache.get(1, 'p', render);
    cache.get(2, 'p', render);
    expect(renders).toBe(2);
  });
});

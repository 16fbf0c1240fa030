/** `npm run pixl`'s operations on each engine: add, change, list, params, and bad input changing nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdminInputError,
  addCompany,
  addPixel,
  changeCompany,
  changePixel,
  embedSnippet,
  listPixels,
  removeParam,
  setParam,
} from '../src/admin/pixels.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';

describe.each(enginesUnderTest())('pixel admin on $name', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('adds and changes companies, pixels and params; clientParams sees them', async () => {
    await addCompany(t.db, 'acme', 'Acme Quiz');
    await addPixel(t.db, 'acme', 'home', 'Home page');
    expect(await setParam(t.db, 'acme', 'home', 'email', '#email')).toBe('added');
    expect(await setParam(t.db, 'acme', 'home', '_cp_email', 'input[name="email"]')).toBe('changed');
    expect(await setParam(t.db, 'acme', 'home', 'zip', '#zip')).toBe('added');
    await removeParam(t.db, 'acme', 'home', 'zip');
    await changeCompany(t.db, 'acme', { name: 'Acme Trivia' });
    await changePixel(t.db, 'acme', 'home', { active: false });

    const acme = (await listPixels(t.db)).find((c) => c.companyId === 'acme');
    expect(acme).toEqual({
      companyId: 'acme',
      companyName: 'Acme Trivia',
      companyActive: true,
      pixels: [
        {
          pixelId: 'home',
          name: 'Home page',
          active: false,
          params: [{ name: '_cp_email', selector: 'input[name="email"]' }],
        },
      ],
    });
    // An inactive pixel's params are not served.
    expect((await t.db.clientParams()).filter((r) => r.companyId === 'acme')).toEqual([]);
    await changePixel(t.db, 'acme', 'home', { active: true });
    expect((await t.db.clientParams()).filter((r) => r.companyId === 'acme')).toEqual([
      { companyId: 'acme', pixelId: 'home', paramName: '_cp_email', domSelector: 'input[name="email"]' },
    ]);
  });

  it('refuses bad input with a clear message and changes nothing', async () => {
    const before = JSON.stringify(await listPixels(t.db));
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => addCompany(t.db, 'bad id', 'x'), /company id "bad id" must match/],
      [() => addCompany(t.db, '12800', 'again'), /company 12800 exists already/],
      [() => addCompany(t.db, 'new1', '  '), /company name must be 1 to 200/],
      [() => addPixel(t.db, 'nobody', '1', 'x'), /company nobody does not exist/],
      [() => addPixel(t.db, '12800', '1', 'x'), /pixel 12800\/1 exists already/],
      [() => changeCompany(t.db, '12800', {}), /nothing to change/],
      [() => changePixel(t.db, '12800', '404', { name: 'x' }), /pixel 12800\/404 does not exist/],
      [() => setParam(t.db, '12800', '1', 'e-mail', '#x'), /param name "e-mail" must be/],
      [
        () => setParam(t.db, '12800', '1', 'email', 'a\nb'),
        /selector must be 1 to 500 characters on one line/,
      ],
      [() => setParam(t.db, '12800', '404', 'email', '#x'), /pixel 12800\/404 does not exist/],
      [() => removeParam(t.db, '12800', '1', 'nope'), /has no param _cp_nope/],
    ];
    for (const [run, message] of cases) {
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdminInputError);
      expect((error as Error).message).toMatch(message);
    }
    expect(JSON.stringify(await listPixels(t.db))).toBe(before);
  });

  it('prints the embed snippet', () => {
    expect(embedSnippet('https://px.example.com/', '12800', '1')).toBe(
      '<script src="https://px.example.com/js/12800/1.js" async></script>',
    );
    expect(() => embedSnippet('https://px.example.com', '12800', '1.js')).toThrow(AdminInputError);
  });
});

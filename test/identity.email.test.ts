import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSha256, isPlausibleEmail, normaliseEmail, normaliseEmailHash } from '../src/identity/email.js';
import { enginesUnderTest, type TestDatabase } from './support/engines.js';

/** Emails whose normalisation or hashing could differ between Node, PostgreSQL and SQL Server. */
const TRICKY = [
  '  John.Smith@GMail.COM ',
  '\tMARY@EXAMPLE.ORG\r\n',
  'Élodie@Exämple.FR',
  'josé.núñez@correo.es',
  'ÖZTÜRK@Web.DE',
  'İstanbul.IŞIK@x.com.tr',
  'ǅemal@x.ba',
  'STRASSE.ẞ@x.de',
  'ΣΟΦΙΑ@x.gr',
  '用户@例子.广告',
  'emoji😀@X.io',
  'a\\b"c@X.com',
  "O'Brien@X.com",
  '\u00a0nbsp@x.com\u00a0',
  'tab\tinside@X.com',
  'x@y.z',
];

describe('email normalisation in Node', () => {
  it('trims spaces, tabs and line breaks and folds ASCII letters only', () => {
    expect(normaliseEmail('  John.Smith@GMail.COM ')).toBe('john.smith@gmail.com');
    expect(normaliseEmail('\tMARY@EXAMPLE.ORG\r\n')).toBe('mary@example.org');
    expect(normaliseEmail('Élodie@Exämple.FR')).toBe('Élodie@exämple.fr');
    expect(normaliseEmail('İstanbul@X.com')).toBe('İstanbul@x.com');
    expect(normaliseEmail('\u00a0a@b.com')).toBe('\u00a0a@b.com');
    expect(normaliseEmail('   ')).toBeNull();
    expect(normaliseEmail(null)).toBeNull();
  });

  it('hashes the normalised UTF-8 bytes as lowercase hex', () => {
    // echo -n 'john.smith@gmail.com' | sha256sum
    expect(emailSha256('  John.Smith@GMail.COM ')).toBe(
      'd0c648bc36f12061bec770df216cea2ab95851b9350fd54b658de53b0407767a',
    );
    expect(emailSha256('')).toBeNull();
  });

  it('accepts hashed emails as 64 hex digits only', () => {
    const hash = emailSha256('a@b.co') ?? '';
    expect(normaliseEmailHash(` ${hash.toUpperCase()} `)).toBe(hash);
    expect(normaliseEmailHash(hash.slice(1))).toBeNull();
    expect(normaliseEmailHash(`${hash.slice(1)}g`)).toBeNull();
    expect(normaliseEmailHash('a@b.co')).toBeNull();
  });

  it('applies the reference candidate rule', () => {
    expect(isPlausibleEmail('a@b.co')).toBe(true);
    expect(isPlausibleEmail('ab@c.d')).toBe(false);
    expect(isPlausibleEmail('a@bc.d')).toBe(false);
    expect(isPlausibleEmail('no-at-sign.com')).toBe(false);
    expect(isPlausibleEmail(`${'a'.repeat(196)}@b.co`)).toBe(false);
    expect(isPlausibleEmail(null)).toBe(false);
  });
});

describe.each(enginesUnderTest())('email normalisation and hash on $name', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await engine.create();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('the SQL functions give what Node gives', async () => {
    for (const email of TRICKY) {
      const [row] = await t.db.query<{ n: string | null; h: string | null }>(
        `SELECT ${t.db.name('PiXL.NormaliseEmail')}($1) AS n, ${t.db.name('PiXL.EmailSha256')}($1) AS h`,
        [email],
      );
      expect({ email, n: row?.n ?? null, h: row?.h ?? null }).toEqual({
        email,
        n: normaliseEmail(email),
        h: emailSha256(email),
      });
    }
  });

  it("AutoConsumer's persisted columns give what Node gives", async () => {
    const q = (c: string) => t.db.name(c);
    const table = t.db.engine === 'mssql' ? 'dbo.AutoConsumer' : 'public.AutoConsumer';
    const emails = [...TRICKY, '   ', null];
    await t.db.bulkLoad(
      table,
      [
        { name: 'RecordID', type: 'bigint' },
        { name: 'EMail', type: 'text', length: 255 },
      ],
      emails.map((email, i) => [900_000 + i, email]),
    );
    const rows = await t.db.query<{ id: number; norm: string | null; hash: string | null }>(
      `SELECT ${q('RecordID')} AS id, ${q('EMailNorm')} AS norm, ${q('EMailSha256')} AS hash
       FROM ${t.db.name(table)} WHERE ${q('RecordID')} >= 900000 ORDER BY ${q('RecordID')}`,
    );
    expect(rows.map((r) => [r.norm, r.hash])).toEqual(emails.map((e) => [normaliseEmail(e), emailSha256(e)]));
  });
});

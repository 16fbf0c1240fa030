/** Synthetic data uses reserved names only: no generated address can be a real person's (docs/PRIVACY.md). */
import { describe, expect, it } from 'vitest';
import { ConsumerGenerator } from '../src/identity/consumerGenerator.js';
import { isReservedDomain } from '../src/identity/reservedDomains.js';
import { EMAIL_DOMAINS, JUNK_EMAILS } from '../src/identity/syntheticNames.js';
import { startBanner } from '../src/local/banner.js';
import { demoEmailFor } from '../src/local/demoEmail.js';

/** Every address-shaped token (something@domain.tld) in a text. */
const addressesIn = (text: string) => [
  ...text.matchAll(/[^\s@<>"',;]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g),
];

function unreserved(text: string): string[] {
  return addressesIn(text)
    .filter((m) => !isReservedDomain(m[1] as string))
    .map((m) => m[0]);
}

describe('synthetic data', () => {
  it('the check itself: real domains are not reserved, reserved ones are', () => {
    expect(
      ['gmail.com', 'example.co', 'notexample.com', 'example.com.evil.net', 'test.com'].filter(
        isReservedDomain,
      ),
    ).toEqual([]);
    expect(
      ['example.com', 'Mail.Example.NET', 'example.org', 'isp.test', 'mail.example', 'x.invalid'].every(
        isReservedDomain,
      ),
    ).toBe(true);
    expect(unreserved('a x@gmail.com b y@example.org, <z@yahoo.co.uk>')).toEqual([
      'x@gmail.com',
      'z@yahoo.co.uk',
    ]);
  });

  it('the consumer generator writes addresses on reserved domains only', () => {
    for (const seed of [1, 7, 12345]) {
      const generator = new ConsumerGenerator({ seed, emailShare: 0.5 });
      const emails: string[] = [];
      for (let i = 0; i < 20_000; i++) {
        const email = generator.emailOf(i);
        if (email !== null) emails.push(email.trim());
      }
      expect(addressesIn(emails.join('\n')).length).toBeGreaterThan(5000);
      expect(unreserved(emails.join('\n'))).toEqual([]);
    }
    expect(EMAIL_DOMAINS.map(([d]) => d).filter((d) => !isReservedDomain(d))).toEqual([]);
    expect(unreserved(JUNK_EMAILS.join('\n'))).toEqual([]);
  });

  it('what npm start prints (the demo link among it) carries reserved addresses only, seeded or not', () => {
    for (const seeded of [0, 20_000]) {
      const email = demoEmailFor(seeded);
      const banner = startBanner({
        url: 'http://localhost:7071',
        demoEmail: email,
        databaseUrl: 'postgres://postgres:smartpixl@localhost:54329/smartpixl',
        queueName: 'pixel-hits',
        queueEndpoint: 'http://127.0.0.1:10001/devstoreaccount1',
      });
      const text = decodeURIComponent(banner);
      // The demo line and the pixel link (decoded) both carry the email; the database URL is not an address.
      const found = addressesIn(text).map((m) => m[0]);
      expect(found).toHaveLength(2);
      expect(found.every((a) => a.endsWith(email))).toBe(true);
      expect(banner).toContain(`_cp_email=${encodeURIComponent(email)}`);
      expect(unreserved(text)).toEqual([]);
    }
  });
});

/** Synthetic data uses reserved names only: no generated address can be a real person's (docs/PRIVACY.md). */
import { describe, expect, it } from 'vitest';
import { ConsumerGenerator } from '../src/identity/consumerGenerator.js';
import { isReservedDomain } from '../src/identity/reservedDomains.js';
import { EMAIL_DOMAINS, JUNK_EMAILS } from '../src/identity/syntheticNames.js';
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

  it('the demo link npm start prints carries a reserved address, seeded or not', () => {
    for (const seeded of [0, 20_000]) {
      const email = demoEmailFor(seeded);
      const link = `http://localhost:7071/api/12800/1_SMART.GIF?sw=1920&_cp_email=${encodeURIComponent(email)}`;
      expect(addressesIn(decodeURIComponent(link))).toHaveLength(1);
      expect(unreserved(decodeURIComponent(link))).toEqual([]);
    }
  });
});

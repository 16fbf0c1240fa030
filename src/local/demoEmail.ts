/**
 * The email of the demo link `npm start` prints: a seeded consumer's (so the hit resolves to an identity), or a
 * reserved example address when nothing is seeded. Synthetic addresses use reserved names only (RFC 2606 /
 * RFC 6761: example.com/.net/.org, .example, .test), so none can be a real person's; test/synthetic.reserved.test.ts
 * checks it.
 */
import { seededEmail } from '../identity/seedConsumers.js';

export function demoEmailFor(seededConsumers: number): string {
  return seededConsumers > 0 ? seededEmail() : 'someone@example.org';
}

/**
 * Word lists for synthetic consumers (data in syntheticNames.json): common US names (a few with accents),
 * streets, cities, email domains, and what consumer files hold where an email should be. Checked on load, so a
 * bad edit of the data fails here rather than as odd consumers.
 */
import { z } from 'zod';
import { isReservedDomain } from './reservedDomains.js';
import data from './syntheticNames.json' with { type: 'json' };

const words = z.array(z.string().min(1)).min(1);
const lists = z
  .object({
    firstNames: words,
    lastNames: words,
    streets: words,
    streetSuffixes: words,
    unitPrefixes: words,
    /** City, state, first three digits of its ZIP codes, area code. */
    cities: z
      .array(z.tuple([z.string(), z.string().length(2), z.string().length(3), z.string().length(3)]))
      .min(1),
    /** Domain and its relative share; reserved names only, so no generated address is a real person's. */
    emailDomains: z
      .array(
        z.tuple([
          z.string().refine(isReservedDomain, 'must be a reserved domain (src/identity/reservedDomains.ts)'),
          z.number().positive(),
        ]),
      )
      .min(1),
    junkEmails: words,
  })
  .parse(data);

export const FIRST_NAMES: readonly string[] = lists.firstNames;
export const LAST_NAMES: readonly string[] = lists.lastNames;
export const STREETS: readonly string[] = lists.streets;
export const STREET_SUFFIXES: readonly string[] = lists.streetSuffixes;
export const UNIT_PREFIXES: readonly string[] = lists.unitPrefixes;
export const CITIES: readonly (readonly [string, string, string, string])[] = lists.cities;
export const EMAIL_DOMAINS: readonly (readonly [string, number])[] = lists.emailDomains;
export const JUNK_EMAILS: readonly string[] = lists.junkEmails;

/**
 * Deterministic synthetic consumer file. Row i is a pure function of (seed, i): any row can be rebuilt without
 * generating the ones before it, so tests and benchmarks can ask which email row i carries.
 *
 * Shape, after the production file (421 M rows, 67 M with email): ~16% of rows have an email; some rows are
 * newer records of an earlier row's person (same email in another letter case or spacing, a new address, now and
 * then a new IndividualKey), so "newest RecordID wins" matters; a few emails are junk; a few are non-ASCII.
 */
import {
  CITIES,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  JUNK_EMAILS,
  LAST_NAMES,
  STREET_SUFFIXES,
  STREETS,
  UNIT_PREFIXES,
} from './syntheticNames.js';

export interface GeneratorOptions {
  seed: number;
  /** Share of rows with an email (default 67/421, as in production). */
  emailShare?: number;
  /** Share of email rows that are a newer record of an earlier row's person (default 0.12). */
  duplicateShare?: number;
  /** RecordID of row 0 (default 1). */
  firstRecordId?: number;
}

export interface SyntheticConsumer {
  recordId: number;
  individualKey: string;
  addressKey: string;
  firstName: string;
  middleInitial: string | null;
  lastName: string;
  address1: string;
  address2: string | null;
  city: string;
  state: string;
  zip: string;
  zip4: string;
  phone: string;
  /** As stored: mixed case, stray spaces, sometimes junk; null for most rows. */
  email: string | null;
  /** Row index of the person this record describes (itself unless it is a newer record of an earlier row). */
  personRow: number;
}

/** murmur3's finaliser over a combined pair: a well-spread 32-bit state from (seed, index, stream). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32: tiny and fast; plenty for synthetic data. */
class Rng {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

const ROW_STREAM = 1;
const PERSON_STREAM = 2;
/** How far back a newer record looks for its person: recent enough that seeds of any size have duplicates. */
const DUPLICATE_WINDOW = 100_000;

const asciiFold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ø/g, 'o')
    .replace(/Ø/g, 'O')
    .replace(/[^A-Za-z]/g, '');
const FOLDED_FIRST = FIRST_NAMES.map(asciiFold);
const FOLDED_LAST = LAST_NAMES.map(asciiFold);
const ACCENTED = /[^ -~\t]/;

const DOMAIN_TOTAL = EMAIL_DOMAINS.reduce((sum, [, w]) => sum + w, 0);
function pickDomain(u: number): string {
  let x = u * DOMAIN_TOTAL;
  for (const [domain, weight] of EMAIL_DOMAINS) {
    x -= weight;
    if (x < 0) return domain;
  }
  return EMAIL_DOMAINS[0]?.[0] ?? 'example.com';
}

/** 35 characters of [0-9A-Z], like the production file's keys. */
function key35(r: Rng): string {
  let s = '';
  for (let i = 0; i < 7; i++) s += r.int(60_466_176).toString(36).toUpperCase().padStart(5, '0');
  return s;
}

const digits = (r: Rng, n: number) => String(r.int(10 ** n)).padStart(n, '0');

// Letter case changes touch ASCII only: the normalisation folds only ASCII, so every rendering of one person's
// email normalises to the same key.
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase());
const capitalise = (s: string) =>
  s.replace(/(^|[._@-])([a-z])/g, (_, sep: string, c: string) => sep + c.toUpperCase());

export class ConsumerGenerator {
  readonly seed: number;
  readonly emailShare: number;
  readonly duplicateShare: number;
  readonly firstRecordId: number;

  constructor(options: GeneratorOptions) {
    this.seed = options.seed >>> 0;
    this.emailShare = options.emailShare ?? 67 / 421;
    this.duplicateShare = options.duplicateShare ?? 0.12;
    this.firstRecordId = options.firstRecordId ?? 1;
  }

  private rng(index: number, stream: number): Rng {
    const lo = index >>> 0;
    const hi = Math.floor(index / 4294967296);
    return new Rng(mix(mix(mix(this.seed, lo), hi), stream));
  }

  /** The first two draws of a row decide whether it has an email and whether it wants to be a newer record. */
  private head(i: number): { hasEmail: boolean; wantsDuplicate: boolean; rng: Rng } {
    const rng = this.rng(i, ROW_STREAM);
    const hasEmail = rng.next() < this.emailShare;
    const wantsDuplicate = rng.next() < this.duplicateShare;
    return { hasEmail, wantsDuplicate, rng };
  }

  /** The person row i describes: an earlier row with an email of its own (chains are one step deep), or itself. */
  private personOf(i: number, head: { hasEmail: boolean; wantsDuplicate: boolean; rng: Rng }): number {
    if (!head.hasEmail || !head.wantsDuplicate || i === 0) return i;
    for (let attempt = 0; attempt < 4; attempt++) {
      const j = i - 1 - head.rng.int(Math.min(i, DUPLICATE_WINDOW));
      const other = this.head(j);
      if (other.hasEmail && !other.wantsDuplicate) return j;
    }
    return i;
  }

  /** The canonical (lower-case, trimmed) email of the person of row p. */
  private personEmail(p: number, first: number, last: number, r: Rng): string {
    const keepAccents =
      (ACCENTED.test(FIRST_NAMES[first] ?? '') || ACCENTED.test(LAST_NAMES[last] ?? '')) && r.next() < 0.3;
    const f = (
      keepAccents ? (FIRST_NAMES[first] ?? '').replace(/[^\p{L}]/gu, '') : (FOLDED_FIRST[first] ?? '')
    ).toLowerCase();
    const l = (
      keepAccents ? (LAST_NAMES[last] ?? '').replace(/[^\p{L}]/gu, '') : (FOLDED_LAST[last] ?? '')
    ).toLowerCase();
    const n2 = digits(r, 2);
    const year = String(1950 + r.int(56));
    let local: string;
    switch (r.int(10)) {
      case 0:
        local = `${f}.${l}`;
        break;
      case 1:
        local = `${f}${l}${n2}`;
        break;
      case 2:
        local = `${f[0]}${l}${r.int(1000)}`;
        break;
      case 3:
        local = `${f}_${l}${year.slice(2)}`;
        break;
      case 4:
        local = `${f}.${l}${n2}`;
        break;
      case 5:
        local = `${f}${year}`;
        break;
      case 6:
        local = `${l}.${f}${r.int(100)}`;
        break;
      case 7:
        local = `${f}${l[0]}${digits(r, 3)}`;
        break;
      case 8:
        local = `${f}.${l}.${digits(r, 4)}`;
        break;
      default:
        local = `${f[0]}${l}${year}`;
        break;
    }
    // A few people share a common address like john.smith@example.com: unrelated records, one email.
    if (p % 997 === 0) local = `${f}.${l}`;
    return `${local}@${pickDomain(r.next())}`;
  }

  /** How a record writes the email: usually lower case, sometimes capitalised, upper case or with stray spaces. */
  private render(email: string, r: Rng): string {
    const style = r.next();
    let out =
      style < 0.62
        ? email
        : style < 0.82
          ? capitalise(email)
          : style < 0.92
            ? asciiUpper(email)
            : email.replace(/[a-z]/g, (c) => (r.next() < 0.5 ? c.toUpperCase() : c));
    const spaces = r.next();
    if (spaces < 0.04) out = ` ${out}`;
    else if (spaces < 0.07) out = `${out}  `;
    else if (spaces < 0.08) out = `  ${out} `;
    else if (spaces < 0.085) out = `${out}\t`;
    return out;
  }

  row(i: number): SyntheticConsumer {
    const head = this.head(i);
    const person = this.personOf(i, head);
    const r = head.rng;
    const p = this.rng(person, PERSON_STREAM);
    const first = p.int(FIRST_NAMES.length);
    const last = p.int(LAST_NAMES.length);
    const middle = p.next() < 0.6 ? String.fromCharCode(65 + p.int(26)) : null;
    const personKey = key35(p);
    const email = head.hasEmail ? this.personEmail(person, first, last, p) : null;

    const [city, state, zip3, area] = r.pick(CITIES);
    const unit =
      r.next() < 0.12
        ? `${r.pick(UNIT_PREFIXES)} ${1 + r.int(400)}${r.next() < 0.2 ? String.fromCharCode(65 + r.int(6)) : ''}`
        : null;
    return {
      recordId: this.firstRecordId + i,
      // A newer record keeps its person's key, except when the file re-keyed the person.
      individualKey: person !== i && r.next() < 0.3 ? key35(r) : personKey,
      addressKey: key35(r),
      firstName: FIRST_NAMES[first] ?? '',
      middleInitial: middle,
      lastName: LAST_NAMES[last] ?? '',
      address1: `${1 + r.int(9999)} ${r.pick(STREETS)} ${r.pick(STREET_SUFFIXES)}`,
      address2: unit,
      city,
      state,
      zip: `${zip3}${digits(r, 2)}`,
      zip4: digits(r, 4),
      phone: `${area}${2 + r.int(8)}${digits(r, 6)}`,
      email: email === null ? null : r.next() < 0.004 ? r.pick(JUNK_EMAILS) : this.render(email, r),
      personRow: person,
    };
  }

  /** The stored email of row i (null for rows without one). */
  emailOf(i: number): string | null {
    return this.row(i).email;
  }

  *rows(count: number, start = 0): Generator<SyntheticConsumer> {
    for (let i = start; i < start + count; i++) yield this.row(i);
  }
}

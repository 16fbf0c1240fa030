/**
 * Fills the consumer table with synthetic consumers, streamed (COPY on PostgreSQL, bulk load on SQL Server).
 * Loading into an empty table pauses its secondary indexes and rebuilds them once at the end (a sorted build is
 * far faster than row-by-row maintenance); appending keeps them live.
 */
import type { BulkColumn, Warehouse } from '../db/types.js';
import { ConsumerGenerator, type GeneratorOptions, type SyntheticConsumer } from './consumerGenerator.js';
import { consumerTable } from './consumerSource.js';
import { isPlausibleEmail, normaliseEmail } from './email.js';

export interface SeedProgress {
  rows: number;
  total: number;
  rowsPerSecond: number;
  etaSeconds: number;
}

export interface SeedOptions extends Partial<GeneratorOptions> {
  rows: number;
  /** Default: the AutoConsumer the migrations create. */
  table?: string;
  /** 'auto' (default): only when the table is empty. */
  rebuildIndexes?: 'auto' | 'always' | 'never';
  onProgress?: (progress: SeedProgress) => void;
  /** Milliseconds between progress reports (default 1000). */
  progressEveryMs?: number;
}

export interface SeedResult {
  rows: number;
  table: string;
  firstRecordId: number;
  loadSeconds: number;
  indexSeconds: number;
  rowsPerSecond: number;
  indexesRebuilt: boolean;
  /** Rebuilds any seeded row: `generator.row(i)` is the row with RecordID firstRecordId + i. */
  generator: ConsumerGenerator;
}

export const CONSUMER_COLUMNS: readonly BulkColumn[] = [
  { name: 'RecordID', type: 'bigint' },
  { name: 'IndividualKey', type: 'text', length: 35 },
  { name: 'AddressKey', type: 'text', length: 35 },
  { name: 'FirstName', type: 'text', length: 50 },
  { name: 'MiddleInitial', type: 'text', length: 1 },
  { name: 'LastName', type: 'text', length: 50 },
  { name: 'Address1', type: 'text', length: 100 },
  { name: 'Address2', type: 'text', length: 100 },
  { name: 'City', type: 'text', length: 50 },
  { name: 'State', type: 'text', length: 2 },
  { name: 'Zip', type: 'text', length: 5 },
  { name: 'Zip4', type: 'text', length: 4 },
  { name: 'Phone', type: 'text', length: 10 },
  { name: 'EMail', type: 'text', length: 255 },
];

const values = (c: SyntheticConsumer): unknown[] => [
  c.recordId,
  c.individualKey,
  c.addressKey,
  c.firstName,
  c.middleInitial,
  c.lastName,
  c.address1,
  c.address2,
  c.city,
  c.state,
  c.zip,
  c.zip4,
  c.phone,
  c.email,
];

export async function seedConsumers(db: Warehouse, options: SeedOptions): Promise<SeedResult> {
  const table = consumerTable(db, options.table);
  const maxId = await db.consumers.maxRecordId(table);
  const generator = new ConsumerGenerator({
    seed: options.seed ?? 1,
    emailShare: options.emailShare,
    duplicateShare: options.duplicateShare,
    firstRecordId: options.firstRecordId ?? (maxId ?? 0) + 1,
  });
  const mode = options.rebuildIndexes ?? 'auto';
  const rebuild = mode === 'always' || (mode === 'auto' && maxId === null && options.rows > 0);

  const total = options.rows;
  const every = options.progressEveryMs ?? 1000;
  const started = performance.now();
  function* tracked(): Generator<unknown[]> {
    let lastReport = started;
    for (let i = 0; i < total; i++) {
      yield values(generator.row(i));
      if ((i & 4095) === 4095 && options.onProgress) {
        const now = performance.now();
        if (now - lastReport >= every) {
          lastReport = now;
          const rate = ((i + 1) * 1000) / (now - started);
          options.onProgress({ rows: i + 1, total, rowsPerSecond: rate, etaSeconds: (total - i - 1) / rate });
        }
      }
    }
  }

  const restore = rebuild ? await db.consumers.suspendIndexes(table) : undefined;
  let loaded = 0;
  let loadSeconds = 0;
  let indexStarted = 0;
  try {
    loaded = await db.bulkLoad(table, CONSUMER_COLUMNS, tracked());
  } finally {
    loadSeconds = (performance.now() - started) / 1000;
    indexStarted = performance.now();
    // Indexes come back even when the load failed: a table without them would make matching scan.
    await restore?.();
  }
  return {
    rows: loaded,
    table,
    firstRecordId: generator.firstRecordId,
    loadSeconds,
    indexSeconds: (performance.now() - indexStarted) / 1000,
    rowsPerSecond: loaded / Math.max(loadSeconds, 1e-9),
    indexesRebuilt: rebuild,
    generator,
  };
}

/** For the local runner: seeds `rows` consumers (seed 1) when the consumer table is empty. Returns rows added. */
export async function seedLocalConsumers(
  db: Warehouse,
  rows: number,
  log: (line: string) => void = () => {},
): Promise<number> {
  if (rows <= 0) return 0;
  const table = consumerTable(db);
  if ((await db.consumers.maxRecordId(table)) !== null) return 0;
  const result = await seedConsumers(db, { rows, seed: 1 });
  log(`seeded ${result.rows} synthetic consumers into ${table} (${Math.round(result.rowsPerSecond)} rows/s)`);
  return result.rows;
}

/** The nth plausible email of the consumers `seed` generates, normalised (for demo links and tests). */
export function seededEmail(seed = 1, nth = 0): string {
  const generator = new ConsumerGenerator({ seed });
  for (let i = 0, found = 0; i < 1_000_000; i++) {
    const email = normaliseEmail(generator.emailOf(i));
    if (isPlausibleEmail(email) && found++ === nth) return email;
  }
  throw new Error(`no plausible email among the first million consumers of seed ${seed}`);
}

/**
 * Group commit on the writer's side: the rows of messages handled at the same time by this process (the queue
 * trigger runs up to batchSize + newBatchThreshold invocations at once, host.json) go to the database in one
 * bulk load and one transaction, instead of one each. No message waits for a timer: a write starts as soon
 * as a slot is free, and what arrives while every slot is busy rides along with the next write.
 *
 * Each message keeps its own outcome:
 * - its promise settles only after the transaction holding its rows has committed (or failed);
 * - a transient error (database unreachable) fails every message of the write, and each handler puts its own
 *   message back on the queue (src/writer/writeHitMessage.ts);
 * - any other error retries each message of the write alone, so a bad message fails by itself and the good
 *   ones beside it land. Rows written twice are harmless: the insert is idempotent on HitId.
 */
import type { HitRow, Warehouse } from '../db/types.js';

export interface CoalescingOptions {
  /** A write takes waiting messages until it holds this many rows (always at least one message). */
  maxRowsPerWrite: number;
  /** Writes in flight at once; while all are busy, arriving messages wait for the next. */
  maxConcurrentWrites: number;
}

/** The defaults of WRITER_MAX_ROWS_PER_WRITE and WRITER_MAX_CONCURRENT_WRITES (src/config.ts). */
export const COALESCING_DEFAULTS: CoalescingOptions = { maxRowsPerWrite: 1000, maxConcurrentWrites: 2 };

interface Waiting {
  rows: readonly HitRow[];
  resolve: (inserted: number) => void;
  reject: (error: unknown) => void;
}

type Target = Pick<Warehouse, 'insertHitBatches' | 'isTransientError'>;

export class CoalescingHitWriter {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  /** Counters of this writer's life: writes (transactions) and the messages and rows they carried. */
  readonly stats = { writes: 0, messages: 0, rows: 0, isolatedRetries: 0 };

  constructor(
    private readonly db: Target,
    private readonly options: CoalescingOptions,
  ) {}

  /** Lands one message's rows; resolves with how many were added once they are committed. */
  write(rows: readonly HitRow[]): Promise<number> {
    if (rows.length === 0) return Promise.resolve(0);
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxConcurrentWrites && this.waiting.length > 0) {
      const group: Waiting[] = [];
      let rows = 0;
      while (this.waiting.length > 0) {
        const next = this.waiting[0] as Waiting;
        if (group.length > 0 && rows + next.rows.length > this.options.maxRowsPerWrite) break;
        group.push(next);
        rows += next.rows.length;
        this.waiting.shift();
      }
      this.inFlight++;
      void this.flush(group).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(group: Waiting[]): Promise<void> {
    this.stats.writes++;
    this.stats.messages += group.length;
    for (const w of group) this.stats.rows += w.rows.length;
    try {
      const counts = await this.db.insertHitBatches(group.map((w) => w.rows));
      group.forEach((w, i) => {
        w.resolve(counts[i] ?? 0);
      });
      return;
    } catch (error) {
      if (group.length === 1 || this.db.isTransientError(error)) {
        for (const w of group) w.reject(error);
        return;
      }
    }
    // A data error: find the message it belongs to by writing each alone.
    for (const w of group) {
      this.stats.isolatedRetries++;
      try {
        w.resolve((await this.db.insertHitBatches([w.rows]))[0] ?? 0);
      } catch (error) {
        w.reject(error);
      }
    }
  }
}

const writers = new WeakMap<Target, CoalescingHitWriter>();

/** The one coalescing writer of a warehouse in this process (created with the options of its first caller). */
export function coalescingWriterOf(
  db: Target,
  options: CoalescingOptions = COALESCING_DEFAULTS,
): CoalescingHitWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new CoalescingHitWriter(db, options);
    writers.set(db, writer);
  }
  return writer;
}

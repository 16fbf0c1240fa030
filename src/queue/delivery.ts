/**
 * Where a hit message goes: the primary queue, else the secondary queue (another storage account, when
 * configured), else the durable spill on local disk (src/queue/spill.ts). `send` resolves once one of them
 * holds the message, so a pixel is answered only after its hit is in a queue or fsync'd to disk.
 *
 * A target that failed is skipped for `retryIntervalMs`, so during an outage new hits go straight to the
 * next target instead of each waiting out the send budget. A background sender re-sends the spill, oldest
 * file first, to whichever queue answers, and deletes a file only once every record in it was accepted.
 */
import type { QueueClient } from '@azure/storage-queue';
import { count } from '../runtime/metrics.js';
import { createHitSender, isPermanentSendError } from './hitQueue.js';
import { readSpillFile, type SpillFile, SpillStore } from './spill.js';

export interface DeliveryOptions {
  primary: QueueClient;
  secondary?: QueueClient | undefined;
  /** How long one target is retried before the next is tried. */
  budgetMs: number;
  spillDir: string;
  retryIntervalMs: number;
}

interface Target {
  name: 'primary' | 'secondary';
  send: (body: string) => Promise<void>;
  downUntil: number;
}

/** A spill record is `<hits>:<message body>`: the count without decoding the message. */
const HITS_MARK = /^(\d+):/;

export class HitDelivery {
  readonly spill: SpillStore;
  private readonly targets: Target[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Records already accepted from a claimed file, by file name (a retry continues after them). */
  private readonly progress = new Map<string, number>();
  readonly stats = { secondaryHits: 0, spilledHits: 0, replayedHits: 0, replayedMessages: 0 };

  constructor(private readonly options: DeliveryOptions) {
    this.spill = new SpillStore(options.spillDir);
    this.targets = [
      { name: 'primary', send: createHitSender(options.primary, options.budgetMs), downUntil: 0 },
    ];
    if (options.secondary)
      this.targets.push({
        name: 'secondary',
        send: createHitSender(options.secondary, options.budgetMs),
        downUntil: 0,
      });
  }

  /** The GroupCommitQueue sender: resolves when a queue or the spill holds the message. */
  send = async (body: string, hits: number): Promise<void> => {
    const target = await this.toQueue(body, false);
    if (target === 'secondary') {
      this.stats.secondaryHits += hits;
      count('enqueue.secondaryHits', hits);
    }
    if (target) return;
    // The hit count rides along so a replay can count hits without decoding the message.
    await this.spill.append(`${hits}:${body}`);
    this.stats.spilledHits += hits;
    count('spill.spilledHits', hits);
    this.schedule(this.options.retryIntervalMs);
  };

  /** Tries each target in order; `probe` tries targets marked down too (the background sender's probe). */
  private async toQueue(body: string, probe: boolean): Promise<Target['name'] | undefined> {
    for (const target of this.targets) {
      if (!probe && target.downUntil > Date.now()) continue;
      try {
        await target.send(body);
        target.downUntil = 0;
        return target.name;
      } catch (error) {
        if (isPermanentSendError(error)) throw error;
        target.downUntil = Date.now() + this.options.retryIntervalMs;
      }
    }
    return undefined;
  }

  /** Starts the background sender: at once (what a previous process left), then every retry interval. */
  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.resend()
        .catch((error: unknown) => {
          console.error(`spill: re-send failed: ${(error as Error).message}`);
          return true;
        })
        .then((more) => {
          this.running = undefined;
          // A record spilled while this pass was ending found it running and scheduled nothing.
          if (more || this.spill.hasOpenRecords) this.schedule(this.options.retryIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One pass over the spill; true when something is still waiting. */
  async resend(): Promise<boolean> {
    await this.spill.touch();
    if (this.spill.hasOpenRecords) await this.spill.seal();
    for (const waiting of await this.spill.waiting()) {
      if (this.stopped) return true;
      const file = await this.spill.claim(waiting);
      if (!file) continue;
      if (!(await this.resendFile(file))) return true;
    }
    return this.spill.hasOpenRecords;
  }

  /** Sends every record of a spill file (also one copied from elsewhere); deletes it once all are accepted. */
  async resendFile(file: SpillFile): Promise<boolean> {
    const { records, corrupt } = await readSpillFile(file.path);
    let next = this.progress.get(file.name) ?? 0;
    while (next < records.length) {
      const record = records[next] as string;
      const { body, hits } = spillRecordBody(record);
      let target: Target['name'] | undefined;
      try {
        target = await this.toQueue(body, true);
      } catch (error) {
        // The queue refuses this message itself: keep it beside the spill for inspection, go on.
        console.error(`spill: a queue refused a spilled message: ${(error as Error).message}`);
        corrupt.push(record);
        target = 'primary';
      }
      if (!target) {
        this.progress.set(file.name, next);
        return false;
      }
      this.stats.replayedHits += hits;
      this.stats.replayedMessages++;
      count('spill.replayedHits', hits);
      next++;
    }
    if (corrupt.length > 0) count('spill.corruptRecords', corrupt.length);
    await this.spill.keepCorrupt(corrupt);
    await this.spill.remove(file);
    this.progress.delete(file.name);
    return true;
  }

  /** Stops the background sender and seals the spill (another process, or the next start, sends it). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.spill.close();
  }
}

/** Strips the hit-count mark a spill record carries, giving the queue message body. */
export function spillRecordBody(record: string): { body: string; hits: number } {
  const mark = HITS_MARK.exec(record);
  return mark ? { body: record.slice(mark[0].length), hits: Number(mark[1]) } : { body: record, hits: 0 };
}

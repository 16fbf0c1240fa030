/**
 * Group commit of hits into queue messages. Concurrent requests add their hit and wait; a message is cut
 * when it is full or when the window since its first hit has passed, and every waiter is answered only once
 * the queue has accepted the message holding its hit. Under load, while all send slots are busy, the open
 * batch keeps growing, so messages fill up exactly when throughput matters.
 */
import { halveHit } from '../capture/captureHit.js';
import type { CapturedHit } from '../capture/hit.js';
import { encodeHitMessage, MAX_QUEUE_MESSAGE_CHARS } from './hitMessage.js';

export interface GroupCommitOptions {
  windowMs: number;
  maxHitsPerMessage: number;
  maxConcurrentSends: number;
  /** Largest message body, in characters (Storage Queue: 64 KiB). */
  maxMessageChars?: number;
}

/** Sends one encoded message; resolves when the queue has accepted it, rejects when it finally failed. */
export type SendMessage = (body: string, hitCount: number) => Promise<void>;

/** Called with the hits of a message that could not be sent, after the sender's own retries. */
export type SendFailure = (error: unknown, body: string, hits: number) => void;

interface Batch {
  /** Each hit's JSON as UTF-8 bytes (src/queue/hitMessage.ts assembles the message from them). */
  json: Buffer[];
  rawBytes: number;
  waiters: { resolve: (accepted: boolean) => void }[];
  /** The window since the first hit has passed: send as soon as a slot is free. */
  due: boolean;
}

const newBatch = (): Batch => ({ json: [], rawBytes: 0, waiters: [], due: false });

export class GroupCommitQueue {
  private open = newBatch();
  private readonly full: Batch[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  /** Encoded size per raw JSON byte, learnt from sent messages (starts pessimistic). */
  private ratio = 0.6;
  private readonly maxChars: number;
  private idleWaiters: (() => void)[] = [];

  readonly stats = { messages: 0, hits: 0, failedMessages: 0, failedHits: 0, splits: 0 };
  /** Durations of the latest accepted sends (ms), most of what a pixel answer waits for. */
  private readonly sendMs: number[] = [];

  constructor(
    private readonly send: SendMessage,
    private readonly options: GroupCommitOptions,
    private readonly onFailure: SendFailure = () => {},
  ) {
    this.maxChars = options.maxMessageChars ?? MAX_QUEUE_MESSAGE_CHARS;
  }

  /** Adds a hit; resolves true once the queue holds it, false when sending failed for good. */
  add(hit: CapturedHit): Promise<boolean> {
    const json = Buffer.from(JSON.stringify(hit));
    return new Promise<boolean>((resolve) => {
      if (
        this.open.json.length > 0 &&
        this.estimate(this.open.rawBytes + json.length) > this.maxChars * 0.85
      ) {
        this.cut();
      }
      const batch = this.open;
      batch.json.push(json);
      batch.rawBytes += json.length + 1;
      batch.waiters.push({ resolve });
      if (batch.json.length >= this.options.maxHitsPerMessage) this.cut();
      else if (batch.json.length === 1)
        this.timer = setTimeout(() => this.onWindowEnd(), this.options.windowMs);
      this.pump();
    });
  }

  /** Percentiles of the latest (up to 4096) send durations in ms. */
  sendLatency(): { p50: number; p99: number } {
    const sorted = [...this.sendMs].sort((a, b) => a - b);
    const at = (q: number) => Number((sorted[Math.floor(q * (sorted.length - 1))] ?? 0).toFixed(1));
    return { p50: at(0.5), p99: at(0.99) };
  }

  /** Resolves when every added hit has been answered. */
  drain(): Promise<void> {
    if (this.open.json.length > 0) this.cut();
    this.pump();
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private idle(): boolean {
    return this.inFlight === 0 && this.full.length === 0 && this.open.json.length === 0;
  }

  private estimate(rawBytes: number): number {
    return rawBytes * this.ratio;
  }

  private onWindowEnd(): void {
    this.timer = undefined;
    // When every slot is busy the batch stays open and grows; pump cuts it as soon as a slot frees.
    this.open.due = true;
    this.pump();
  }

  private cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.json.length === 0) return;
    this.full.push(this.open);
    this.open = newBatch();
  }

  private pump(): void {
    while (this.inFlight < this.options.maxConcurrentSends) {
      let batch = this.full.shift();
      if (!batch && this.open.due) {
        this.cut();
        batch = this.full.shift();
      }
      if (!batch) break;
      this.inFlight++;
      void this.sendBatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.idle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async sendBatch(batch: Batch): Promise<void> {
    let body: string;
    try {
      body = await encodeHitMessage(batch.json);
    } catch (error) {
      this.fail(batch, error, '');
      return;
    }
    this.ratio = this.ratio * 0.7 + (body.length / batch.rawBytes) * 0.3;
    if (body.length > this.maxChars) {
      if (batch.json.length === 1) {
        // One hit alone beyond the limit: capture caps each text on its own, but many long headers beside a
        // long query (or a large MAX_QUERY_STRING_BYTES) add up. It is kept cut and flagged, not lost.
        const original = batch.json[0] as Buffer;
        const json = Buffer.from(
          JSON.stringify(halveHit(JSON.parse(original.toString('utf8')) as CapturedHit)),
        );
        // Halving until it fits; a hit that halving no longer shrinks has no text left to cut.
        if (json.length < original.length) {
          await this.sendBatch({ ...batch, json: [json], rawBytes: json.length });
          return;
        }
        this.fail(batch, new Error(`one hit encodes to ${body.length} chars, above ${this.maxChars}`), body);
        return;
      }
      this.stats.splits++;
      const half = Math.ceil(batch.json.length / 2);
      const split = (from: number, to: number): Batch => ({
        json: batch.json.slice(from, to),
        rawBytes: batch.json.slice(from, to).reduce((n, s) => n + s.length + 1, 0),
        waiters: batch.waiters.slice(from, to),
        due: true,
      });
      await Promise.all([this.sendBatch(split(0, half)), this.sendBatch(split(half, batch.json.length))]);
      return;
    }
    try {
      const started = performance.now();
      await this.send(body, batch.json.length);
      this.sendMs[this.stats.messages % 4096] = performance.now() - started;
      this.stats.messages++;
      this.stats.hits += batch.json.length;
      for (const w of batch.waiters) w.resolve(true);
    } catch (error) {
      this.fail(batch, error, body);
    }
  }

  private fail(batch: Batch, error: unknown, body: string): void {
    this.stats.failedMessages++;
    this.stats.failedHits += batch.json.length;
    this.onFailure(error, body, batch.json.length);
    for (const w of batch.waiters) w.resolve(false);
  }
}

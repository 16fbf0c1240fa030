/**
 * In-memory copy of the pixels' client params (PiXL.ConfigClientParam), so the script endpoint answers
 * without a database query per request. Loaded on first use, refreshed on a timer and on demand; while the
 * database cannot be read the last good copy keeps being served.
 */
import type { ClientParamRow } from '../db/types.js';

/** A client param as the collector receives it: the name after `_cp_` and the DOM selector of its value. */
export type ClientParam = readonly [name: string, selector: string];

export interface PixelConfigSource {
  clientParams(): Promise<ClientParamRow[]>;
}

export interface PixelConfigCacheOptions {
  /** Time between refreshes after a good load. */
  refreshMs: number;
  /** Time between attempts while the database cannot be read. */
  retryMs?: number;
  /** How long a first request waits for the first load before answering without params. */
  firstLoadWaitMs?: number;
  onError?: (error: unknown) => void;
}

const key = (companyId: string, pixelId: string) => `${companyId}/${pixelId}`;
const NONE: readonly ClientParam[] = Object.freeze([]);

export class PixelConfigCache {
  private byPixel = new Map<string, readonly ClientParam[]>();
  private loadedAt: Date | undefined;
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  /** Bumped whenever a load changes the content: callers key derived caches on it. */
  version = 0;

  constructor(
    private readonly source: PixelConfigSource,
    private readonly options: PixelConfigCacheOptions,
  ) {}

  /** The params of one pixel (empty for a pixel without any, or before the first good load). */
  getClientParams(companyId: string, pixelId: string): readonly ClientParam[] {
    return this.byPixel.get(key(companyId, pixelId)) ?? NONE;
  }

  /** When the copy in memory was last read from the database (undefined: never). */
  get lastLoadedAt(): Date | undefined {
    return this.loadedAt;
  }

  /**
   * Starts the refresh timer and waits (at most `firstLoadWaitMs`) for the first load. Safe to call on every
   * request: only the first call does anything.
   */
  async ready(): Promise<void> {
    if (!this.started) {
      this.started = true;
      void this.schedule(this.refresh());
    }
    if (this.loadedAt || !this.inFlight) return;
    const wait = this.options.firstLoadWaitMs ?? 2000;
    await Promise.race([this.inFlight, new Promise((resolve) => setTimeout(resolve, wait).unref())]);
  }

  /** Reads the params now; concurrent calls share one read. Resolves false when the read failed. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.started = false;
  }

  private async schedule(loaded: Promise<boolean>): Promise<void> {
    const ok = await loaded;
    if (!this.started) return;
    const delay = ok ? this.options.refreshMs : (this.options.retryMs ?? 30_000);
    this.timer = setTimeout(() => void this.schedule(this.refresh()), delay);
    this.timer.unref();
  }

  private async load(): Promise<boolean> {
    let rows: ClientParamRow[];
    try {
      rows = await this.source.clientParams();
    } catch (error) {
      this.options.onError?.(error);
      return false;
    }
    const next = new Map<string, ClientParam[]>();
    for (const row of rows) {
      const k = key(row.companyId, row.pixelId);
      const list = next.get(k) ?? [];
      // Stored as `_cp_email`; the collector sends `_cp_` + name.
      list.push([row.paramName.replace(/^_cp_/, ''), row.domSelector]);
      next.set(k, list);
    }
    if (!sameContent(this.byPixel, next)) this.version++;
    this.byPixel = next;
    this.loadedAt = new Date();
    return true;
  }
}

function sameContent(a: Map<string, readonly ClientParam[]>, b: Map<string, readonly ClientParam[]>) {
  if (a.size !== b.size) return false;
  for (const [k, list] of b) if (JSON.stringify(a.get(k)) !== JSON.stringify(list)) return false;
  return true;
}

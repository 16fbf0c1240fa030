/**
 * Refreshes the datacenter ranges of every enabled provider, one provider at a time. A provider's ranges are
 * replaced only by a complete, parsable and plausible download; anything else keeps what is stored and is
 * reported (ETL.RangeRefresh.LastStatus / LastError), and never touches another provider.
 */
import { createHash } from 'node:crypto';
import type { Settings } from '../../config.js';
import type { DatacenterRangeRow, RangeRefreshState, Warehouse } from '../../db/types.js';
import {
  DownloadError,
  type Downloaded,
  type DownloadLimits,
  download,
  type Validators,
} from './download.js';
import { flattenRanges } from './flatten.js';
import { FormatError } from './parsers/formatError.js';
import { PROVIDER_FORMATS } from './providers.js';
import type { Provider } from './types.js';

export type RefreshStatus = 'loaded' | 'unchanged' | 'not-modified' | 'failed' | 'refused';

export interface ProviderReport {
  provider: Provider;
  status: RefreshStatus;
  /** Rows stored for the provider after this run. */
  ranges: number;
  published?: number;
  rejected?: number;
  error?: string;
  ms: number;
}

export type RangeSettings = Settings['ranges'];

/** Runs one refresh of all enabled providers; two processes never refresh at once. */
export async function refreshRanges(db: Warehouse, config: RangeSettings): Promise<ProviderReport[]> {
  return db.withLock('smartpixl-ranges-refresh', async () => {
    const reports: ProviderReport[] = [];
    for (const provider of config.providers) reports.push(await refreshProvider(db, provider, config));
    return reports;
  });
}

export async function refreshProvider(
  db: Warehouse,
  provider: Provider,
  config: RangeSettings,
): Promise<ProviderReport> {
  const started = performance.now();
  const state = await db.readRangeRefreshState(provider);
  const previousCount = state?.rangeCount ?? 0;
  const report = (status: RefreshStatus, extra: Partial<ProviderReport> = {}): ProviderReport => ({
    provider,
    status,
    ranges: previousCount,
    ms: Math.round(performance.now() - started),
    ...extra,
  });
  const limits: DownloadLimits = { timeoutMs: config.timeoutMs, maxBytes: config.maxBytes };
  try {
    const urls = await Promise.all(config.urls[provider].map((url) => fileUrl(provider, url, limits)));
    // Validators count only while ranges are stored: with none, every file must be read whole.
    const validators = previousCount > 0 ? splitValidators(state, urls.length) : urls.map(() => null);
    let files = await Promise.all(urls.map((url, i) => download(url, validators[i] ?? null, limits)));
    if (files.every((f) => f.kind === 'not-modified')) {
      await recordAttempt(db, provider, 'not-modified', null, true);
      return report('not-modified');
    }
    // Some files changed and some did not: the unchanged ones are needed whole to replace the provider.
    files = await Promise.all(
      files.map((f, i) => (f.kind === 'body' ? f : download(urls[i] as string, null, limits))),
    );
    const bodies = files.filter((f): f is Extract<Downloaded, { kind: 'body' }> => f.kind === 'body');
    if (bodies.length !== urls.length)
      throw new DownloadError('a file answered 304 to an unconditional request');

    const format = PROVIDER_FORMATS[provider];
    const parsed = format.parse(bodies.map((b) => b.text));
    const ranges: DatacenterRangeRow[] = flattenRanges(parsed.ranges, format.rank).map((r) => ({
      cidr: r.cidr,
      family: r.family,
      start: r.start,
      end: r.end,
      region: r.region,
      service: r.service,
    }));
    const counts = { published: parsed.ranges.length, rejected: parsed.rejected };
    const refusal = implausible(ranges.length, previousCount, parsed.ranges.length, parsed.rejected, config);
    if (refusal) {
      await recordAttempt(db, provider, 'refused', refusal, false);
      return report('refused', { ...counts, error: refusal });
    }
    const joined = joinValidators(bodies);
    const contentHash = hashRanges(ranges);
    if (contentHash === state?.contentHash) {
      await recordAttempt(db, provider, 'unchanged', null, true, joined);
      return report('unchanged', counts);
    }
    await db.replaceDatacenterRanges({
      provider,
      ranges,
      contentHash,
      ...joined,
      publishedCount: counts.published,
      rejectedCount: counts.rejected,
    });
    return report('loaded', { ...counts, ranges: ranges.length });
  } catch (error) {
    const message =
      error instanceof DownloadError || error instanceof FormatError
        ? error.message
        : `${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message : String(error)}`;
    await recordAttempt(db, provider, 'failed', message, false).catch(() => undefined);
    return report('failed', { error: message });
  }
}

/**
 * The file to download for a setting URL: the URL itself, or for a provider whose file moves (fileOnPage) and a
 * URL that is not a `.json` file, the newest file its download page links.
 */
export async function fileUrl(provider: Provider, url: string, limits: DownloadLimits): Promise<string> {
  const onPage = PROVIDER_FORMATS[provider].fileOnPage;
  if (!onPage || new URL(url).pathname.endsWith('.json')) return url;
  const page = await download(url, null, limits);
  const links = page.kind === 'body' ? [...page.text.matchAll(onPage)].map((m) => m[0]) : [];
  const name = (link: string) => link.slice(link.lastIndexOf('/') + 1);
  const newest = links.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)).at(-1);
  if (!newest)
    throw new DownloadError(`the download page links no file of the provider (${url}); set the file's URL`);
  return newest;
}

/** Why a parsed download must not replace what is stored, or undefined when it may. */
export function implausible(
  count: number,
  previousCount: number,
  published: number,
  rejected: number,
  config: Pick<RangeSettings, 'minKeepRatio'>,
): string | undefined {
  if (count === 0) return 'no ranges in the download';
  if (rejected > published) return `more rejected entries (${rejected}) than valid blocks (${published})`;
  if (previousCount > 0 && count < previousCount * config.minKeepRatio)
    return `shrinks from ${previousCount} to ${count} ranges (below ${config.minKeepRatio * 100}% kept)`;
  return undefined;
}

/** SHA-256 over the stored rows: equal ranges give an equal hash whatever the file's order or metadata. */
export function hashRanges(ranges: readonly DatacenterRangeRow[]): string {
  const hash = createHash('sha256');
  for (const r of ranges) {
    hash.update(r.start);
    hash.update(r.end);
    hash.update(`${r.cidr}\u0000${r.region ?? ''}\u0000${r.service ?? ''}\u0000`);
  }
  return hash.digest('hex');
}

/** Records an attempt that did not replace the ranges (the stored ranges and ChangedAt stay as they are). */
function recordAttempt(
  db: Warehouse,
  provider: Provider,
  status: Exclude<RefreshStatus, 'loaded'>,
  error: string | null,
  success: boolean,
  validators?: Validators,
): Promise<void> {
  return db.recordRangeRefreshAttempt({
    provider,
    status,
    error,
    success,
    ...(validators ? { validators } : {}),
  });
}

function splitValidators(state: RangeRefreshState | undefined, n: number): (Validators | null)[] {
  const etags = state?.etag?.split('\n') ?? [];
  const modified = state?.lastModified?.split('\n') ?? [];
  return Array.from({ length: n }, (_, i) => ({ etag: etags[i] || null, lastModified: modified[i] || null }));
}

function joinValidators(files: readonly Validators[]): Validators {
  const join = (values: (string | null)[]) =>
    values.some(Boolean) ? values.map((v) => v ?? '').join('\n') : null;
  return { etag: join(files.map((f) => f.etag)), lastModified: join(files.map((f) => f.lastModified)) };
}

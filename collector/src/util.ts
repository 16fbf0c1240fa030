/** Small helpers shared by the measurements. Nothing here may throw into the host page. */

export type Value = string | number;
/** The collected values by query-string key, in the order they are sent. */
export type Data = Record<string, Value>;

/** Evaluates `get`, or gives `fallback` when it throws (privacy tools make many getters throw). */
export function safe<T>(get: () => T, fallback: T): T {
  try {
    return get();
  } catch {
    return fallback;
  }
}

/** 1 / 0 for the BIT columns. */
export const bit = (v: unknown): number => (v ? 1 : 0);

/** Stores a value; null / undefined / NaN become '' so every key is always sent. */
export function put(d: Data, key: string, get: () => unknown): void {
  const v = safe(get, undefined);
  d[key] =
    typeof v === 'number'
      ? Number.isFinite(v)
        ? v
        : ''
      : typeof v === 'boolean'
        ? bit(v)
        : v == null
          ? ''
          : String(v);
}

/** 32-bit FNV-1a of a string, as 8 hex digits. */
export function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Resolves with `p`'s value, or `fallback` after `ms` or when `p` rejects. */
export function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

/** matchMedia(query).matches as 1 / 0. */
export const media = (query: string): number => bit(safe(() => matchMedia(query).matches, false));

// biome-ignore lint/suspicious/noExplicitAny: reads of non-standard browser properties
export type Loose = any;
export const nav = navigator as Loose;
/** The page's window, or the worker's global scope in collector/src/worker.ts. */
export const win = self as Loose;

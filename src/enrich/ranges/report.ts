/** One line per provider for the CLI and the timer's log. */
import type { ProviderReport } from './refresh.js';

export function reportLine(r: ProviderReport): string {
  const counts =
    r.published === undefined
      ? `${r.ranges} ranges`
      : `${r.ranges} ranges (${r.published} published, ${r.rejected ?? 0} rejected)`;
  return `${r.provider.padEnd(12)} ${r.status.padEnd(12)} ${counts}  ${r.ms} ms${r.error ? `  ${r.error}` : ''}`;
}

/** Kept the previous ranges because of a problem (not because nothing changed). */
export const isProblem = (r: ProviderReport): boolean => r.status === 'failed' || r.status === 'refused';

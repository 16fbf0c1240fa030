/** Shared by the benchmarks: writing their section of docs/PERFORMANCE.md, and run statistics. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

export function writePerformanceSection(title: string, method: string, rows: string[][]): void {
  const file = join(PROJECT_ROOT, 'docs', 'PERFORMANCE.md');
  const current = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Performance\n\nMeasured, not asserted: each section is written by its benchmark.\n';
  const table = [
    '| Measure | Result | Notes |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  const section = `## ${title}\n\n${method}\n\n${table}\n`;
  const pattern = new RegExp(`## ${title}\\n[\\s\\S]*?(?=\\n## |$)`);
  const next = pattern.test(current)
    ? current.replace(pattern, section)
    : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
}

/** The middle value (runs on a noisy machine are compared by their medians). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** CPU milliseconds a PostgreSQL backend has used (Linux /proc; clock ticks of 10 ms). */
export function backendCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

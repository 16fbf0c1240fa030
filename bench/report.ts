/** Shared by the benchmarks: writing their section of docs/PERFORMANCE.md, and run statistics. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Fields of /proc/<pid>/stat after the command name (index 0 = state). */
function statFields(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
}

/** CPU milliseconds a process (all its threads) has used: a PostgreSQL backend, a Node child (Linux /proc; ticks of 10 ms). */
export function backendCpuMs(pid: number): number {
  try {
    const fields = statFields(pid);
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU milliseconds of a whole PostgreSQL server: the postmaster's reaped children (backends that exited,
 * cutime + cstime) plus every live child (backends, WAL writer, checkpointer…) and the postmaster itself.
 */
export function postgresServerCpuMs(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = statFields(postmaster);
  let total = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * 10;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(Number(entry));
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // exited meanwhile: its time is in the postmaster's cutime now (or in a moment)
    }
  }
  return total;
}

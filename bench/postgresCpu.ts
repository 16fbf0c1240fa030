/**
 * CPU time of a local PostgreSQL server (the postmaster and every process it started: backends, WAL writer,
 * checkpointer), read from /proc, so a benchmark can price the database's share of its work. Linux only;
 * processes that exited between two readings are not counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100;

function stat(pid: string): { ppid: number; cpuMicros: number } | undefined {
  try {
    // Fields after the command name (which may hold spaces): state, ppid, …, utime (14th), stime (15th).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid: Number(fields[1]), cpuMicros: (ticks * 1_000_000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** Microseconds of CPU used so far by the server whose data folder is `dataDir`. */
export function postgresCpuMicros(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = stat(String(postmaster))?.cpuMicros ?? 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = stat(pid);
    if (s?.ppid === postmaster) total += s.cpuMicros;
  }
  return total;
}

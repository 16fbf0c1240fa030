/**
 * CPU time of a local PostgreSQL server (the postmaster and every process it started: backends, WAL writer,
 * checkpointer), read from /proc, so a benchmark can price the database's share of its work. Linux only.
 * Processes that exited are counted through the postmaster's children times (it reaps every one of them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TICKS_PER_SECOND = 100;

function stat(pid: string): { ppid: number; cpuMicros: number; reapedMicros: number } | undefined {
  try {
    // Fields after the command name (which may hold spaces): state, ppid, …, utime (14th), stime (15th),
    // cutime and cstime (16th, 17th: children that exited and were waited for).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const micros = (ticks: number) => (ticks * 1_000_000) / TICKS_PER_SECOND;
    return {
      ppid: Number(fields[1]),
      cpuMicros: micros(Number(fields[11]) + Number(fields[12])),
      reapedMicros: micros(Number(fields[13]) + Number(fields[14])),
    };
  } catch {
    return undefined;
  }
}

/** Microseconds of CPU used so far by the server whose data folder is `dataDir`. */
export function postgresCpuMicros(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = stat(String(postmaster));
  let total = (own?.cpuMicros ?? 0) + (own?.reapedMicros ?? 0);
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const s = stat(pid);
    if (s?.ppid === postmaster) total += s.cpuMicros;
  }
  return total;
}

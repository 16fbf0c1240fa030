/**
 * The durable spill: queue message bodies that no queue accepted, kept in append-only files on local disk
 * until a queue takes them. A record is fsync'd before `append` resolves, so a pixel answered after it
 * survives a crash of the process.
 *
 * Files (one directory, shared by every process of an instance), named `<time>-<seq>-<pid>-<owner>.<state>`:
 * - `.open`: the segment this process appends to;
 * - `.spill`: sealed, waiting to be sent;
 * - `.sending`: claimed by the process whose owner id it names, which deletes it once every record is accepted;
 * - `.corrupt`: records whose checksum failed, kept for inspection (never deleted here).
 * An `.open` or `.sending` file of another owner goes back to `.spill` when that process is gone (its pid
 * is not running, or the file has not been touched for STALE_MS), so what a killed process left is re-sent.
 *
 * A record is one line: `<crc32 of the body, 8 hex> <body>\n`; bodies are base64 text, so never hold a
 * newline. A last line without its newline was being written when the process died, and was never
 * acknowledged: it is skipped.
 */
import { randomBytes } from 'node:crypto';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** A file of another owner untouched this long is taken over (owners touch theirs every retry interval). */
export const STALE_MS = 60_000;
/** A segment is sealed at this size, so a replay never reads an unbounded file. */
const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;

export interface SpillRecord {
  body: string;
}

export interface SpillFile {
  name: string;
  path: string;
}

export interface SpillBacklog {
  files: number;
  bytes: number;
  /** Capture time of the oldest waiting segment (ISO), or null. */
  oldest: string | null;
  corruptFiles: number;
}

const FILE = /^(\d{13})-(\d{6})-(\d+)-([0-9a-f]+)\.(open|spill|sending|corrupt)$/;

interface Parsed {
  name: string;
  time: string;
  seq: string;
  pid: number;
  owner: string;
  state: string;
}

function parseName(name: string): Parsed | undefined {
  const m = FILE.exec(name);
  if (!m) return undefined;
  return {
    name,
    time: m[1] as string,
    seq: m[2] as string,
    pid: Number(m[3]),
    owner: m[4] as string,
    state: m[5] as string,
  };
}

function processGone(pid: number): boolean {
  if (pid === process.pid) return true; // another owner with our pid: an earlier process, now gone
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function encodeRecord(body: string): string {
  return `${crc32(body).toString(16).padStart(8, '0')} ${body}\n`;
}

/** Reads a spill file's records; counts complete lines whose checksum fails, and a torn last line. */
export async function readSpillFile(
  path: string,
): Promise<{ records: string[]; corrupt: string[]; torn: number }> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n');
  const last = lines.pop() ?? '';
  const records: string[] = [];
  const corrupt: string[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const body = line.slice(9);
    if (line[8] === ' ' && crc32(body).toString(16).padStart(8, '0') === line.slice(0, 8)) records.push(body);
    else corrupt.push(line);
  }
  return { records, corrupt, torn: last === '' ? 0 : 1 };
}

/** What is waiting in a spill directory (for /api/health); empty when the directory does not exist. */
export async function spillBacklog(dir: string): Promise<SpillBacklog> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let files = 0;
  let bytes = 0;
  let corruptFiles = 0;
  let oldest: string | null = null;
  for (const name of names.sort()) {
    const parsed = parseName(name);
    if (!parsed) continue;
    if (parsed.state === 'corrupt') {
      corruptFiles++;
      continue;
    }
    const size = (await stat(join(dir, name)).catch(() => undefined))?.size ?? 0;
    if (size === 0) continue;
    files++;
    bytes += size;
    oldest ??= new Date(Number(parsed.time)).toISOString();
  }
  return { files, bytes, oldest, corruptFiles };
}

export class SpillStore {
  readonly owner = randomBytes(6).toString('hex');
  private seq = 0;
  private segment: { handle: FileHandle; path: string; bytes: number } | undefined;
  /** Appends and seals run one at a time, in order. */
  private chain: Promise<unknown> = Promise.resolve();

  /** Nothing is touched on disk until the first append: an unwritable SPILL_DIR must not stop a start. */
  constructor(readonly dir: string) {}

  private fileName(state: string, time = Date.now()): string {
    const seq = String(this.seq++ % 1_000_000).padStart(6, '0');
    return `${String(time).padStart(13, '0')}-${seq}-${process.pid}-${this.owner}.${state}`;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Appends one message body and fsyncs it; resolves once it is on disk. */
  append(body: string): Promise<void> {
    return this.serial(async () => {
      if (!this.segment) {
        await mkdir(this.dir, { recursive: true });
        const path = join(this.dir, this.fileName('open'));
        const handle = await open(path, 'a');
        // The new name must survive a crash too: fsync the directory once per segment.
        await syncDirectory(this.dir);
        this.segment = { handle, path, bytes: 0 };
      }
      const line = encodeRecord(body);
      await this.segment.handle.appendFile(line);
      await this.segment.handle.datasync();
      this.segment.bytes += line.length;
      if (this.segment.bytes >= SEGMENT_MAX_BYTES) await this.closeSegment();
    });
  }

  private async closeSegment(): Promise<void> {
    const segment = this.segment;
    if (!segment) return;
    this.segment = undefined;
    await segment.handle.close();
    await rename(segment.path, segment.path.replace(/\.open$/, '.spill'));
  }

  /** Seals the segment being appended to, so it can be sent. */
  seal(): Promise<void> {
    return this.serial(() => this.closeSegment());
  }

  /** Keeps this process's files fresh, so no other process takes them over. */
  async touch(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const now = new Date();
    for (const name of names) {
      if (parseName(name)?.owner === this.owner)
        await utimes(join(this.dir, name), now, now).catch(() => undefined);
    }
  }

  /**
   * Files to send, oldest first: this process's claimed ones and every sealed one. First returns the files
   * a gone process left `.open` or `.sending` to the sealed state.
   */
  async waiting(): Promise<SpillFile[]> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).sort();
    const out: SpillFile[] = [];
    for (const name of names) {
      const parsed = parseName(name);
      if (!parsed || parsed.state === 'corrupt') continue;
      let current = name;
      if (parsed.owner !== this.owner && (parsed.state === 'open' || parsed.state === 'sending')) {
        const path = join(this.dir, name);
        const age = Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now());
        if (!processGone(parsed.pid) && age < STALE_MS) continue;
        current = name.replace(/\.(open|sending)$/, '.spill');
        if (
          !(await rename(path, join(this.dir, current)).then(
            () => true,
            () => false,
          ))
        )
          continue;
      }
      const state = parseName(current)?.state;
      if (state === 'spill' || (state === 'sending' && parsed.owner === this.owner))
        out.push({ name: current, path: join(this.dir, current) });
    }
    return out;
  }

  /** Claims a sealed file for this process (another process may have taken it: then undefined). */
  async claim(file: SpillFile): Promise<SpillFile | undefined> {
    const parsed = parseName(file.name);
    if (!parsed) return undefined;
    if (parsed.state === 'sending' && parsed.owner === this.owner) return file;
    const name = `${parsed.time}-${parsed.seq}-${process.pid}-${this.owner}.sending`;
    const path = join(this.dir, name);
    return (await rename(file.path, path).then(
      () => true,
      () => false,
    ))
      ? { name, path }
      : undefined;
  }

  /** Keeps records that failed their checksum beside the spill, for inspection. */
  async keepCorrupt(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    await writeFile(join(this.dir, this.fileName('corrupt')), `${lines.join('\n')}\n`, { flush: true });
  }

  async remove(file: SpillFile): Promise<void> {
    await unlink(file.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  /** The segment being appended to holds records. */
  get hasOpenRecords(): boolean {
    return (this.segment?.bytes ?? 0) > 0;
  }

  /** Seals the open segment and releases claimed files, so any process may send them. */
  async close(): Promise<void> {
    await this.seal();
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const parsed = parseName(name);
      if (parsed?.owner === this.owner && parsed.state === 'sending')
        await rename(join(this.dir, name), join(this.dir, name.replace(/\.sending$/, '.spill'))).catch(
          () => undefined,
        );
    }
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems (Windows) cannot fsync a directory; the file's own fsync is what they offer.
  } finally {
    await handle.close();
  }
}

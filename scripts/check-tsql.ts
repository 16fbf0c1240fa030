/**
 * `npm run check:tsql`: checks the T-SQL with Microsoft's own parser and model (tools/TsqlCheck, .NET).
 * Builds the tool once (again only when its sources change) and runs the built dll; arguments are passed on
 * (`--root DIR`, `--target sql2025|azure|all|none`, `--parse-only`, `--verbose`, extra .sql files). Without a
 * `dotnet` on PATH it says so and exits 0: the check is a developer and CI aid, not a runtime dependency.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

export const TOOL_DIR = join(PROJECT_ROOT, 'tools', 'TsqlCheck');
export const TOOL_DLL = join(TOOL_DIR, 'bin', 'Release', 'net10.0', 'TsqlCheck.dll');
const ENV = { ...process.env, DOTNET_NOLOGO: '1', DOTNET_CLI_TELEMETRY_OPTOUT: '1' };

/** Why the check cannot run here, or undefined when `dotnet` answers. */
export function dotnetMissing(): string | undefined {
  const probe = spawnSync('dotnet', ['--version'], { encoding: 'utf8', env: ENV });
  if (probe.error) return `dotnet (the .NET 10 SDK) is not on PATH (${probe.error.message})`;
  if (probe.status !== 0) return `dotnet --version failed: ${probe.stderr.trim()}`;
  return undefined;
}

function newestSource(): number {
  return readdirSync(TOOL_DIR)
    .filter((f) => /\.(cs|csproj|json)$/.test(f))
    .reduce((newest, f) => Math.max(newest, statSync(join(TOOL_DIR, f)).mtimeMs), 0);
}

/** Builds the tool unless the dll is newer than every source file; throws with the build's output. */
export function ensureBuilt(log: (line: string) => void = () => {}): void {
  if (existsSync(TOOL_DLL) && statSync(TOOL_DLL).mtimeMs >= newestSource()) return;
  log('check:tsql: building tools/TsqlCheck (dotnet build, only when its sources change)');
  const build = spawnSync('dotnet', ['build', TOOL_DIR, '-c', 'Release', '--nologo', '-v', 'q'], {
    encoding: 'utf8',
    env: ENV,
  });
  if (build.status !== 0)
    throw new Error(`dotnet build tools/TsqlCheck failed:\n${build.stdout}${build.stderr}`);
  // An incremental build may leave the dll as it was (say, only the lock file was touched): mark it current.
  const now = new Date();
  utimesSync(TOOL_DLL, now, now);
}

/** Runs the built tool from the project folder (so it prints paths relative to it). */
export function runTsqlCheck(args: string[]): { status: number; stdout: string; stderr: string } {
  const run = spawnSync('dotnet', [TOOL_DLL, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', env: ENV });
  if (run.error) throw run.error;
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

function main(): void {
  const missing = dotnetMissing();
  if (missing) {
    console.log(`check:tsql: skipped: ${missing}`);
    return;
  }
  ensureBuilt((line) => console.log(line));
  const run = spawnSync('dotnet', [TOOL_DLL, ...process.argv.slice(2)], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: ENV,
  });
  process.exitCode = run.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();

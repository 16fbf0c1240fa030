/**
 * `npm run check:infra [folder]` — `bicep build` and `bicep lint` of every `*.bicep` in infra/ (or the
 * folder given), with the Bicep CLI of the NuGet package Azure.Bicep.CommandLine.linux-x64, restored by
 * `dotnet restore scripts/bicep-cli/bicep-cli.csproj`. Bicep reports a wrong resource property as a warning
 * and builds anyway, so every warning fails the check unless infra/bicep-allowed-warnings.json lists its
 * code with a reason. Where `dotnet` is absent it says so and passes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const PROJECT = join(ROOT, 'scripts', 'bicep-cli', 'bicep-cli.csproj');
const ALLOWED_FILE = join(ROOT, 'infra', 'bicep-allowed-warnings.json');
const say = (line: string) => console.log(`[check:infra] ${line}`);

interface Allowed {
  code: string;
  /** A file name under the checked folder; every file when absent. */
  file?: string;
  reason: string;
}

function dotnetAvailable(): boolean {
  return spawnSync('dotnet', ['--version'], { stdio: 'ignore' }).status === 0;
}

function bicepPath(): string {
  const version = /<BicepVersion>([^<]+)<\/BicepVersion>/.exec(readFileSync(PROJECT, 'utf8'))?.[1];
  const packages = (
    process.env.NUGET_PACKAGES ??
    /global-packages:\s*(.+)/.exec(
      execFileSync('dotnet', ['nuget', 'locals', 'global-packages', '--list'], { encoding: 'utf8' }),
    )?.[1] ??
    ''
  ).trim();
  const path = join(packages, 'azure.bicep.commandline.linux-x64', String(version), 'tools', 'bicep');
  if (!existsSync(path)) {
    say(`restoring the Bicep CLI ${version} from NuGet`);
    execFileSync('dotnet', ['restore', PROJECT, '--verbosity', 'quiet'], { stdio: 'inherit' });
  }
  if (!existsSync(path)) throw new Error(`the Bicep CLI is not at ${path} after the restore`);
  chmodSync(path, 0o755);
  return path;
}

interface Diagnostic {
  file: string;
  line: string;
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  message: string;
}

/** `path(line,col) : Warning code: message` lines of the Bicep CLI. */
function diagnosticsOf(output: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const match of output.matchAll(/^(.+?)\((\d+),(\d+)\) : (Error|Warning|Info) ([\w-]+): (.*)$/gm)) {
    const [, file, line, col, level, code, message] = match;
    out.push({
      file: String(file),
      line: `${line}:${col}`,
      level: level as Diagnostic['level'],
      code: String(code),
      message: String(message),
    });
  }
  return out;
}

function run(bicep: string, args: string[]): { status: number; output: string } {
  const r = spawnSync(bicep, args, {
    encoding: 'utf8',
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
  });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function main(): number {
  const folder = resolve(ROOT, process.argv[2] ?? 'infra');
  if (!dotnetAvailable()) {
    say('skipped: dotnet is not installed here (the Bicep CLI comes from NuGet); CI runs it');
    return 0;
  }
  const allowed: Allowed[] = existsSync(ALLOWED_FILE) ? JSON.parse(readFileSync(ALLOWED_FILE, 'utf8')) : [];
  for (const a of allowed) if (!a.reason?.trim()) throw new Error(`${ALLOWED_FILE}: ${a.code} has no reason`);
  const bicep = bicepPath();
  const files = readdirSync(folder).filter((f) => f.endsWith('.bicep'));
  if (files.length === 0) throw new Error(`no .bicep file in ${folder}`);
  const out = mkdtempSync(join(tmpdir(), 'check-infra-'));
  let failures = 0;
  try {
    for (const file of files) {
      const path = join(folder, file);
      const build = run(bicep, ['build', path, '--outdir', out]);
      const lint = run(bicep, ['lint', path]);
      const seen = new Set<string>();
      const diagnostics = [...diagnosticsOf(build.output), ...diagnosticsOf(lint.output)].filter((d) => {
        const key = `${d.file}|${d.line}|${d.code}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      const failing = diagnostics.filter(
        (d) =>
          d.level === 'Error' ||
          (d.level === 'Warning' && !allowed.some((a) => a.code === d.code && (!a.file || a.file === file))),
      );
      for (const d of failing) say(`${relative(ROOT, d.file)}:${d.line} ${d.level} ${d.code}: ${d.message}`);
      // A failed run without a parsable diagnostic still fails.
      const crashed = (build.status !== 0 || lint.status !== 0) && failing.length === 0;
      if (crashed) say(`${file}: the Bicep CLI failed:\n${build.output}${lint.output}`);
      if (failing.length > 0 || crashed) failures++;
      else say(`${relative(ROOT, path)}: built and linted, ${diagnostics.length} allowed warning(s)`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  if (failures > 0) say(`${failures} of ${files.length} file(s) failed (warnings count as errors)`);
  return failures > 0 ? 1 : 0;
}

process.exit(main());

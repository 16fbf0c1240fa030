/**
 * `npm run package` — the zip that is deployed (azure.yaml's prepackage hook runs it; `func azure functionapp
 * publish` and zip deploy take it too): the compiled functions (dist/src), the collector script (dist/collector), host.json, package.json,
 * package-lock.json and .funcignore, and node_modules with the production dependencies only, copied from the installed tree. Staged in build/package, written to
 * build/smartpixl-functions.zip. test/package.test.ts loads every function from the unpacked zip.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import AdmZip from 'adm-zip';

const ROOT = resolve(import.meta.dirname, '..');
const STAGE = join(ROOT, 'build', 'package');
const ZIP = join(ROOT, 'build', 'smartpixl-functions.zip');
const say = (line: string) => console.log(`[package] ${line}`);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

// Stale compiled files go; dist/collector is rebuilt in place (atomically), as tests may be serving it.
rmSync(join(ROOT, 'dist', 'src'), { recursive: true, force: true });
say('compiling (tsconfig.build.json)');
execFileSync(npm, ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });

rmSync(STAGE, { recursive: true, force: true });
mkdirSync(STAGE, { recursive: true });
// dist/collector holds the collector script the `script` function serves (scripts/build-collector.ts).
for (const part of ['src', 'collector'])
  cpSync(join(ROOT, 'dist', part), join(STAGE, 'dist', part), { recursive: true });
// .funcignore: what Core Tools and azd leave out when they zip a folder; it excludes nothing staged here.
for (const file of ['host.json', 'package.json', 'package-lock.json', '.funcignore'])
  cpSync(join(ROOT, file), join(STAGE, file));

say('copying production dependencies');
// The installed tree's production part (npm ls --omit=dev): the same versions the tests ran, no download.
const productionPaths = execFileSync(npm, ['ls', '--omit=dev', '--all', '--parseable'], {
  cwd: ROOT,
  encoding: 'utf8',
  maxBuffer: 16 * 1024 * 1024,
})
  .split('\n')
  .filter((p) => p.startsWith(join(ROOT, 'node_modules')));
for (const path of productionPaths)
  cpSync(path, join(STAGE, relative(ROOT, path)), {
    recursive: true,
    // A nested node_modules is copied as its own entry when it is production code.
    filter: (source) => !relative(path, source).split(sep).includes('node_modules'),
  });

rmSync(ZIP, { force: true });
const zip = new AdmZip();
zip.addLocalFolder(STAGE);
zip.writeZip(ZIP);
say(`wrote ${ZIP.slice(ROOT.length + 1)}`);

/**
 * `npm run gen:sql`: writes the migrations generated from the field catalog (src/warehouse/fields.ts) for
 * both engines. `--check` writes nothing and fails when a committed file differs (CI and test/fields.test.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { generatedFiles } from '../src/warehouse/sqlgen/migrations.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const file of generatedFiles()) {
  const current = existsSync(file.path) ? readFileSync(file.path, 'utf8') : undefined;
  const name = relative(PROJECT_ROOT, file.path);
  if (current === file.text) continue;
  stale++;
  if (check) {
    console.error(`stale: ${name} (run npm run gen:sql)`);
  } else {
    writeFileSync(file.path, file.text);
    console.log(`wrote ${name}`);
  }
}
if (check && stale > 0) process.exit(1);
if (!check && stale === 0) console.log('generated SQL is up to date');

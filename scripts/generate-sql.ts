/**
 * `npm run gen:sql`: writes the SQL generated from the field catalog (src/warehouse/fields.ts) for both
 * engines (scripts/sqlgen/files.ts says what). `--check` writes nothing and fails when a committed file is
 * stale or missing (test/fields.test.ts).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../src/runtime/paths.js';
import { generatedFiles } from './sqlgen/files.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const file of generatedFiles()) {
  const exists = existsSync(file.path);
  const name = relative(PROJECT_ROOT, file.path);
  if (exists && (file.writeOnce || readFileSync(file.path, 'utf8') === file.text)) continue;
  stale++;
  if (check) {
    console.error(`${exists ? 'stale' : 'missing'}: ${name} (run npm run gen:sql)`);
  } else {
    writeFileSync(file.path, file.text);
    console.log(`wrote ${name}`);
  }
}
if (check && stale > 0) process.exit(1);
if (!check && stale === 0) console.log('generated SQL is up to date');

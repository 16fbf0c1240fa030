/** Writes one benchmark's section of docs/PERFORMANCE.md, replacing the previous run's. */
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

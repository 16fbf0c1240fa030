/** The project folder (holding package.json), whether running from src/ through tsx or from dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'host.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('project root (with host.json) not found');
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot();

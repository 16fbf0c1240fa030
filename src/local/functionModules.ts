/** Loads every module of src/functions, as package.json `main` makes the Functions host do. */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export async function loadFunctionModules(): Promise<void> {
  const folder = new URL('../functions/', import.meta.url);
  const files = readdirSync(fileURLToPath(folder)).filter(
    (f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'),
  );
  for (const file of files.sort()) await import(pathToFileURL(fileURLToPath(new URL(file, folder))).href);
}

/**
 * The collector script a pixel's page embeds (`/js/{companyId}/{pixelId}.js`): the minified build of
 * collector/ (`npm run build:collector`, written to dist/collector/) with the pixel URL and the pixel's
 * client params filled in. Rendered scripts are kept per pixel, with their ETag, until the params change.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../runtime/paths.js';
import type { ClientParam } from './pixelConfig.js';

/** Where the build puts the minified collector (scripts/build-collector.ts writes it). */
export const COLLECTOR_BUILD_PATH = join(PROJECT_ROOT, 'dist', 'collector', 'smartpixl.min.js');

/** Placeholders the build leaves in the script, each a JS string literal replaced by a JSON value. */
export const PIXEL_URL_PLACEHOLDER = '"{{PIXEL_URL}}"';
export const CLIENT_PARAMS_PLACEHOLDER = '"{{CLIENT_PARAMS}}"';

export interface RenderedScript {
  body: string;
  etag: string;
}

/** Fills the template; throws when the template lacks a placeholder (a build that does not match this code). */
export function renderCollector(
  template: string,
  pixelUrl: string,
  params: readonly ClientParam[],
): RenderedScript {
  for (const placeholder of [PIXEL_URL_PLACEHOLDER, CLIENT_PARAMS_PLACEHOLDER])
    if (template.split(placeholder).length !== 2)
      throw new Error(`collector build must hold ${placeholder} exactly once`);
  // JSON is a JS expression; replacer functions keep `$` sequences in values literal.
  const body = template
    .replace(PIXEL_URL_PLACEHOLDER, () => JSON.stringify(pixelUrl))
    .replace(CLIENT_PARAMS_PLACEHOLDER, () => JSON.stringify(params));
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, etag };
}

let template: string | undefined;

/** The built collector, read once per process. Throws when it was not built. */
export function collectorTemplate(path = COLLECTOR_BUILD_PATH): string {
  template ??= readFileSync(path, 'utf8');
  return template;
}

/**
 * Rendered scripts by pixel and base URL, dropped whenever the params cache changes version. Bounded by their
 * size, least recently used first out: ids are validated but unbounded in number (and the base follows the
 * request's host), so an attacker's random ids must not grow memory; each script is a whole copy of the
 * collector (~23 KB), and a count of 10,000 had let them hold over 200 MB.
 */
export class RenderedScripts {
  private version = -1;
  private bytes = 0;
  private readonly scripts = new Map<string, RenderedScript>();

  constructor(private readonly maxBytes = 8 * 1024 * 1024) {}

  get(version: number, cacheKey: string, render: () => RenderedScript): RenderedScript {
    if (version !== this.version) {
      this.scripts.clear();
      this.bytes = 0;
      this.version = version;
    }
    const cached = this.scripts.get(cacheKey);
    if (cached) {
      // Most recently used last: the Map iterates in insertion order, so the first key is the eviction's.
      this.scripts.delete(cacheKey);
      this.scripts.set(cacheKey, cached);
      return cached;
    }
    const script = render();
    for (const [key, old] of this.scripts) {
      if (this.bytes + script.body.length <= this.maxBytes) break;
      this.scripts.delete(key);
      this.bytes -= old.body.length;
    }
    this.scripts.set(cacheKey, script);
    this.bytes += script.body.length;
    return script;
  }
}

/**
 * `npm run build:collector`: bundles collector/src into one minified script, dist/collector/smartpixl.min.js,
 * which the script endpoint serves (src/capture/collectorScript.ts). The two placeholders stay as string
 * literals for the endpoint to fill.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import {
  CLIENT_PARAMS_PLACEHOLDER,
  COLLECTOR_BUILD_PATH,
  PIXEL_URL_PLACEHOLDER,
} from '../src/capture/collectorScript.js';
import { PROJECT_ROOT } from '../src/runtime/paths.js';

/**
 * Browser APIs that can raise a permission prompt (the original collector's list, plus the file pickers and storage
 * access). Property names survive minification, so the built script is checked for them by name.
 */
const PROMPTING_APIS = [
  /\bgeolocation\b/,
  /\bgetCurrentPosition\b/,
  /\bwatchPosition\b/,
  /\brequestPermission\b/,
  /\bgetUserMedia\b/,
  /\bgetDisplayMedia\b/,
  /\brequestMIDIAccess\b/,
  /\.(usb|bluetooth|hid|serial)\b/,
  /\brequestDevice\b/,
  /\brequestPort\b/,
  /\bPaymentRequest\b/,
  /\bcredentials\b/,
  /\.share\b/,
  /\b(webkit)?SpeechRecognition\b/,
  /\brequestStorageAccess\b/,
  /\bshow(Open|Save|Directory)(File)?Picker\b/,
  /\bpersist\s*\(/,
];

/** The prompting APIs a script's source names (empty when it names none). */
export function promptingApiUses(code: string): string[] {
  return PROMPTING_APIS.flatMap((pattern) => {
    const match = pattern.exec(code);
    return match ? [match[0]] : [];
  });
}

/** One entry of collector/src bundled into a minified script, with `define`'s identifiers replaced. */
async function bundle(entry: string, define: Record<string, string>): Promise<string> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, 'collector', 'src', entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    // Browsers of the last years; no polyfills are added.
    target: ['es2018'],
    define,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  return (result.outputFiles[0]?.text ?? '').trim();
}

export async function buildCollector(outfile = COLLECTOR_BUILD_PATH): Promise<string> {
  // The worker travels inside the one script as a string (collector/src/offThread.ts starts it from a Blob).
  const worker = await bundle('worker.ts', {});
  const code = await bundle('main.ts', {
    __PIXEL_URL__: PIXEL_URL_PLACEHOLDER,
    __CLIENT_PARAMS__: CLIENT_PARAMS_PLACEHOLDER,
    __WORKER_SOURCE__: JSON.stringify(worker),
  });
  for (const placeholder of [PIXEL_URL_PLACEHOLDER, CLIENT_PARAMS_PLACEHOLDER])
    if (code.split(placeholder).length !== 2)
      throw new Error(`collector build: ${placeholder} must appear exactly once`);
  const prompting = promptingApiUses(code);
  if (prompting.length)
    throw new Error(
      `collector build: names APIs that can raise a permission prompt: ${prompting.join(', ')}`,
    );
  mkdirSync(dirname(outfile), { recursive: true });
  // Written whole, then renamed: a process serving the script meanwhile (tests beside `npm run package`)
  // reads the old file or the new one, never a missing or half-written one.
  const partial = `${outfile}.${process.pid}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, outfile);
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = await buildCollector();
  console.log(`collector: ${COLLECTOR_BUILD_PATH} (${code.length} bytes)`);
}

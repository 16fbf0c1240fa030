/**
 * Where a process's main-thread CPU goes, from a V8 CPU profile (node:inspector's Profiler): each sample is
 * charged to the part of the code that caused it, found by walking its stack from the leaf upward to the
 * first frame that belongs to a known part (our modules, a package, node's HTTP server). Generic runtime
 * frames (streams, events, timers, buffers) are skipped on the way, so a socket write made for the queue
 * client counts as the queue client's, and one made for the response as the local runner's.
 */

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The parts of the pixel process, in the order the report lists them. */
export const PIXEL_PARTS = [
  'local runner: request and response objects, routing',
  'node:http server (parsing, connections)',
  'capture (captureHit, client IP, UUIDv7)',
  'pixel handler',
  'group commit (hit JSON)',
  'message encoding (Brotli, base64)',
  'queue client (HTTP request, XML, signing)',
  'metrics and telemetry',
  'garbage collection',
  'other (event loop, timers, native)',
] as const;
export type PixelPart = (typeof PIXEL_PARTS)[number];

function partOf(frame: CallFrame): PixelPart | undefined {
  const url = frame.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (pkg === '@azure/functions') return 'local runner: request and response objects, routing';
    if (pkg === 'uuid' || pkg === 'ipaddr.js') return 'capture (captureHit, client IP, UUIDv7)';
    if (pkg.startsWith('@opentelemetry/')) return 'metrics and telemetry';
    if (pkg.startsWith('@azure/') || pkg.startsWith('@typespec/') || pkg.startsWith('fast-xml'))
      return 'queue client (HTTP request, XML, signing)';
    return undefined;
  }
  if (url.includes('/src/local/')) return 'local runner: request and response objects, routing';
  if (url.includes('/src/capture/')) return 'capture (captureHit, client IP, UUIDv7)';
  if (url.includes('/src/functions/')) return 'pixel handler';
  if (url.endsWith('/src/queue/groupCommit.ts')) return 'group commit (hit JSON)';
  if (url.endsWith('/src/queue/hitMessage.ts')) return 'message encoding (Brotli, base64)';
  if (url.includes('/src/queue/')) return 'queue client (HTTP request, XML, signing)';
  if (url.endsWith('/src/runtime/metrics.ts') || url.endsWith('/src/runtime/telemetry.ts'))
    return 'metrics and telemetry';
  if (/^node:_http_(client|agent)$/.test(url)) return 'queue client (HTTP request, XML, signing)';
  if (/^node:_http_(server|incoming|common)$/.test(url)) return 'node:http server (parsing, connections)';
  if (url === 'node:zlib') return 'message encoding (Brotli, base64)';
  return undefined;
}

/** Milliseconds of main-thread CPU per part (idle time left out). */
export function summariseProfile(profile: CpuProfile): Map<PixelPart, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const part = new Map<number, PixelPart | null>();
  const partOfNode = (id: number): PixelPart | undefined => {
    const known = part.get(id);
    if (known !== undefined) return known ?? undefined;
    const node = byId.get(id);
    let found: PixelPart | undefined;
    if (node) {
      const name = node.callFrame.functionName;
      if (name === '(garbage collector)') found = 'garbage collection';
      else
        found = partOf(node.callFrame) ?? (parent.has(id) ? partOfNode(parent.get(id) as number) : undefined);
    }
    part.set(id, found ?? null);
    return found;
  };
  const totals = new Map<PixelPart, number>(PIXEL_PARTS.map((p) => [p, 0]));
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const p = partOfNode(id) ?? 'other (event loop, timers, native)';
    totals.set(p, (totals.get(p) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return totals;
}

/**
 * A local HTTP server publishing the fixture files as the providers do: ETag and Last-Modified, 304 for a
 * matching conditional request, and per-path faults (500, truncated body, oversized body, an HTML page,
 * a replaced body, no validators).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider } from '../../src/enrich/ranges/types.js';
import { FIXTURE_FILES, fixtureText } from './rangeFixtures.js';

export type Fault =
  | 'http500'
  | 'truncated'
  | 'oversized'
  | 'oversizedDeclared'
  | 'hang'
  | 'html'
  | 'noValidators'
  | { body: string };

export interface RangeServer {
  url(file: string): string;
  urls(): Record<Provider, string[]>;
  /** Sets or clears (undefined) the fault of one file. */
  fault(file: string, fault: Fault | undefined): void;
  /** Requests per file, and how many of them were answered 304. */
  requests: Map<string, { total: number; notModified: number }>;
  close(): Promise<void>;
}

const LAST_MODIFIED = 'Thu, 24 Jul 2025 20:23:14 GMT';
const etagOf = (body: string) => `"${createHash('sha1').update(body).digest('hex')}"`;

/** `extra`: more files by path (a download page, files under other names), besides the fixtures. */
export async function startRangeServer(extra: Record<string, string> = {}): Promise<RangeServer> {
  const faults = new Map<string, Fault>();
  const requests = new Map<string, { total: number; notModified: number }>();
  const files = new Map([
    ...Object.values(FIXTURE_FILES)
      .flat()
      .map((f): [string, string] => [f, fixtureText(f)]),
    ...Object.entries(extra),
  ]);

  const server: Server = createServer((req, res) => {
    const file = decodeURIComponent((req.url ?? '/').slice(1));
    const seen = requests.get(file) ?? { total: 0, notModified: 0 };
    requests.set(file, seen);
    seen.total++;
    const fault = faults.get(file);
    let body = files.get(file);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (fault === 'http500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    if (fault === 'html') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<html>\n<body>Service unavailable</body>\n</html>');
      return;
    }
    if (fault === 'hang') return; // never answers (the client's timeout must end it)
    if (fault === 'oversizedDeclared') {
      res.writeHead(200, { 'content-length': 64 * 1024 * 1024 });
      res.write('{');
      return;
    }
    if (fault === 'oversized') {
      // No Content-Length: the cap must hold while reading, not only from the header.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1 << 20, 0x20);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end();
      return;
    }
    if (typeof fault === 'object') body = fault.body;
    const validators = fault === 'noValidators' ? {} : { etag: etagOf(body), 'last-modified': LAST_MODIFIED };
    // A truncated transfer is of a changed file: it never answers 304.
    if (validators.etag && fault !== 'truncated' && req.headers['if-none-match'] === validators.etag) {
      seen.notModified++;
      res.writeHead(304, validators).end();
      return;
    }
    const bytes = Buffer.from(body, 'utf8');
    res.writeHead(200, { ...validators, 'content-length': bytes.length, 'content-type': 'text/plain' });
    if (fault === 'truncated') {
      // Half the body, then the connection drops: the client must see fewer bytes than announced.
      res.write(bytes.subarray(0, bytes.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = (file: string) => `${base}/${encodeURIComponent(file)}`;
  return {
    url,
    urls: () =>
      Object.fromEntries(Object.entries(FIXTURE_FILES).map(([p, fs]) => [p, fs.map(url)])) as Record<
        Provider,
        string[]
      >,
    fault(file, fault) {
      if (fault === undefined) faults.delete(file);
      else faults.set(file, fault);
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The local runner's request object. @azure/functions' HttpRequest wraps a WHATWG Request, whose URL parse,
 * header validation and stream plumbing cost more CPU per pixel hit than the pixel's own work
 * (docs/PERFORMANCE.md "Ingest"). What handlers read on the hot path (method, url, params, query,
 * headers.get) is answered here straight from node:http's request; the real HttpRequest is built, once,
 * only when a handler reaches for the body or anything else only it has. Handlers see the same values
 * either way (test/localHttpHost.test.ts).
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { HttpRequest as HttpRequestType } from '@azure/functions';
import { HttpRequest } from '../runtime/azureFunctions.js';

/**
 * Headers read from node's raw header list on first use, joined like WHATWG Headers (", " between repeated
 * names, names case-insensitive). Anything beyond get/has is answered by a real Headers, filled once, so
 * iteration and changes behave exactly as Headers do.
 */
export class LocalHeaders implements Headers {
  private map: Map<string, string> | undefined;
  private headers: Headers | undefined;

  constructor(
    private readonly raw: readonly string[],
    private readonly overrides: Readonly<Record<string, string>>,
  ) {}

  private byName(): Map<string, string> {
    if (this.map) return this.map;
    const map = new Map<string, string>();
    for (let i = 0; i < this.raw.length; i += 2) {
      const name = (this.raw[i] as string).toLowerCase();
      const value = this.raw[i + 1] as string;
      const previous = map.get(name);
      map.set(name, previous === undefined ? value : `${previous}, ${value}`);
    }
    for (const [name, value] of Object.entries(this.overrides)) map.set(name, value);
    this.map = map;
    return map;
  }

  /** The real Headers, made on first use of anything but get/has; from then on it answers everything. */
  real(): Headers {
    this.headers ??= new Headers([...this.byName()]);
    return this.headers;
  }

  // Methods, not arrow-function fields: nothing is created per request beyond the object itself.
  get(name: string): string | null {
    return this.headers ? this.headers.get(name) : (this.byName().get(name.toLowerCase()) ?? null);
  }
  has(name: string): boolean {
    return this.headers ? this.headers.has(name) : this.byName().has(name.toLowerCase());
  }
  append(name: string, value: string): void {
    this.real().append(name, value);
  }
  set(name: string, value: string): void {
    this.real().set(name, value);
  }
  delete(name: string): void {
    this.real().delete(name);
  }
  getSetCookie(): string[] {
    return this.real().getSetCookie();
  }
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.real().forEach(callback, thisArg);
  }
  entries(): ReturnType<Headers['entries']> {
    return this.real().entries();
  }
  keys(): ReturnType<Headers['keys']> {
    return this.real().keys();
  }
  values(): ReturnType<Headers['values']> {
    return this.real().values();
  }
  [Symbol.iterator](): ReturnType<Headers[typeof Symbol.iterator]> {
    return this.real()[Symbol.iterator]();
  }
}

/** The same public surface as @azure/functions' HttpRequest, made cheaply from a node:http request. */
export class LocalHttpRequest {
  readonly method: string;
  readonly headers: LocalHeaders;
  private parsed: URL | undefined;
  private searchParams: URLSearchParams | undefined;
  private full: HttpRequestType | undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly params: Record<string, string>,
    /** Headers the host sets itself (client-ip), overriding what the client sent. */
    overrides: Record<string, string>,
  ) {
    this.method = (req.method ?? 'GET').toUpperCase();
    this.headers = new LocalHeaders(req.rawHeaders, overrides);
  }

  /** The absolute URL as WHATWG Request makes it (normalised by the URL parser), parsed once on first use. */
  private parsedUrl(): URL {
    this.parsed ??= new URL(`http://${this.req.headers.host ?? 'localhost'}${this.req.url ?? '/'}`);
    return this.parsed;
  }

  get url(): string {
    return this.parsedUrl().href;
  }

  /** Its own object, as HttpRequest's is: a handler changing it does not change `url`. */
  get query(): URLSearchParams {
    this.searchParams ??= new URLSearchParams(this.parsedUrl().search);
    return this.searchParams;
  }

  /** The wrapped HttpRequest, for the body and what only it has; the body is handed over as a stream. */
  private native(): HttpRequestType {
    if (this.full) return this.full;
    const streamed = this.method !== 'GET' && this.method !== 'HEAD';
    const nativeRequest = new Request(this.url, {
      method: this.method,
      headers: this.headers.real(),
      body: streamed ? (Readable.toWeb(this.req) as ReadableStream<Uint8Array>) : undefined,
      ...(streamed && { duplex: 'half' }),
    } as RequestInit);
    // `query: {}` skips HttpRequest's eager parse of the query string; this object's getter answers it.
    this.full = new HttpRequest({ nativeRequest, params: this.params, query: {} } as never);
    return this.full;
  }

  get user() {
    return this.native().user;
  }
  get body() {
    return this.native().body;
  }
  get bodyUsed() {
    return this.native().bodyUsed;
  }
  arrayBuffer() {
    return this.native().arrayBuffer();
  }
  blob() {
    return this.native().blob();
  }
  formData() {
    return this.native().formData();
  }
  json() {
    return this.native().json();
  }
  text() {
    return this.native().text();
  }
  clone() {
    return this.native().clone();
  }

  /** Typed as what handlers take: the same members, checked by the assignment below. */
  asHttpRequest(): HttpRequestType {
    return this as unknown as HttpRequestType;
  }
}

// The compiler checks that this class offers every member HttpRequest has.
type Members<T> = { [K in keyof T]: T[K] };
const _sameSurface = (r: LocalHttpRequest): Members<HttpRequestType> => r;
void _sameSurface;

/**
 * Serves the HTTP function definitions on node:http the way the Functions host does: route templates
 * under the route prefix, the same HttpRequest objects, the same response handling. Like App Service's
 * front end it overwrites `client-ip` with the TCP peer, so the default client-IP settings behave as in Azure.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HttpResponseInit } from '@azure/functions';
import { InvocationContext } from '../runtime/azureFunctions.js';
import type { HttpDefinition } from '../runtime/define.js';
import { rememberSocketAddress } from '../runtime/requestSocket.js';
import { LocalHttpRequest } from './localRequest.js';

interface CompiledRoute {
  definition: HttpDefinition;
  pattern: RegExp;
  names: string[];
  literalSegments: number;
}

/** Compiles an Azure Functions route template ("{companyId}/{pixelFile}", "health") to a matcher. */
export function compileRoute(prefix: string, definition: HttpDefinition): CompiledRoute {
  const names: string[] = [];
  const segments = [prefix, ...definition.route.split('/')].filter(Boolean);
  let literalSegments = 0;
  const source = segments
    .map((segment) => {
      const param = /^\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?(\?)?\}$/.exec(segment);
      if (!param) {
        literalSegments++;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      names.push(param[2] as string);
      return param[1] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { definition, pattern: new RegExp(`^/${source}/?$`, 'i'), names, literalSegments };
}

/** Header pairs of a response, flat (name, value, name, value), without building a WHATWG Headers. */
function headerPairs(headers: HttpResponseInit['headers']): string[] {
  const pairs: string[] = [];
  if (!headers) return pairs;
  if (headers instanceof Headers)
    headers.forEach((value, name) => {
      pairs.push(name, value);
    });
  else if (Array.isArray(headers)) for (const [name, value] of headers) pairs.push(name, value);
  else for (const [name, value] of Object.entries(headers)) pairs.push(name, String(value));
  return pairs;
}

async function writeResponse(res: ServerResponse, init: HttpResponseInit, close = false): Promise<void> {
  const headers = headerPairs(init.headers);
  const hasContentType = () =>
    headers.some((value, i) => i % 2 === 0 && value.toLowerCase() === 'content-type');
  let body: Buffer | undefined;
  if (init.jsonBody !== undefined) {
    body = Buffer.from(JSON.stringify(init.jsonBody));
    if (!hasContentType()) headers.push('content-type', 'application/json');
  } else if (typeof init.body === 'string') {
    body = Buffer.from(init.body);
    if (!hasContentType()) headers.push('content-type', 'text/plain; charset=utf-8');
  } else if (init.body instanceof Uint8Array) {
    body = Buffer.from(init.body.buffer, init.body.byteOffset, init.body.byteLength);
  } else if (init.body != null) {
    body = Buffer.from(
      await new Response(init.body as ConstructorParameters<typeof Response>[0]).arrayBuffer(),
    );
  }
  const status = init.status ?? 200;
  if (body && status !== 204) headers.push('content-length', String(body.length));
  if (close) headers.push('connection', 'close');
  res.writeHead(status, headers);
  res.end(status === 204 ? undefined : body, () => {
    if (close) res.socket?.destroy();
  });
}

export interface HttpHostOptions {
  port: number;
  host?: string;
  routePrefix: string;
  definitions: readonly HttpDefinition[];
}

export function startHttpHost(options: HttpHostOptions): Promise<Server> {
  // Literal routes win over parameters, as in ASP.NET routing.
  const routes = options.definitions
    .map((d) => compileRoute(options.routePrefix, d))
    .sort((a, b) => b.literalSegments - a.literalSegments);

  const server = createServer({ maxHeaderSize: 64 * 1024, keepAliveTimeout: 65_000 }, (req, res) => {
    void handle(req, res).catch((error: unknown) => {
      console.error('local http host error', error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const path = rawUrl.split('?')[0] ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': '*',
      });
      res.end();
      return;
    }
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match || !route.definition.methods.includes(method as never)) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1] ?? '');
      });
      const peer = req.socket.remoteAddress;
      const peerText = peer?.includes(':') ? `[${peer}]` : peer;
      // The handler gets LocalHttpRequest (src/local/localRequest.ts): HttpRequest's members, built lazily.
      const local = new LocalHttpRequest(req, params, {
        'client-ip': `${peerText}:${req.socket.remotePort}`,
      });
      const request = local.asHttpRequest();
      rememberSocketAddress(request, peer);
      const context = new InvocationContext({
        functionName: route.definition.name,
        invocationId: crypto.randomUUID(),
        options: { trigger: { type: 'httpTrigger', name: 'request' } as never },
      });
      const init = await route.definition.handler(request, context);
      // The body is handed over as a stream, never buffered here: the handler decides how much it reads.
      // What it left unread is dropped with the connection, not read: the rest of it must not be parsed as
      // the next request on a kept-alive connection.
      const streamed = method !== 'GET' && method !== 'HEAD';
      await writeResponse(res, init, streamed && !req.readableEnded);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('Not Found');
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve(server));
  });
}

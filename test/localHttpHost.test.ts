import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHost } from '../src/local/httpHost.js';
import { LocalHttpRequest } from '../src/local/localRequest.js';
import { HttpRequest } from '../src/runtime/azureFunctions.js';
import type { HttpDefinition } from '../src/runtime/define.js';
import { socketAddressOf } from '../src/runtime/requestSocket.js';

const echo = (name: string, route: string): HttpDefinition => ({
  kind: 'http',
  name,
  route,
  methods: ['GET', 'POST'],
  handler: async (request) => ({
    jsonBody: {
      name,
      params: request.params,
      a: request.query.get('a'),
      clientIp: request.headers.get('client-ip'),
      socket: socketAddressOf(request),
      body: request.method === 'POST' ? await request.text() : null,
    },
  }),
});

interface Echo {
  name: string;
  params: Record<string, string>;
  a: string | null;
  clientIp: string | null;
  socket: string | undefined;
  body: string | null;
}

const getEcho = async (url: string, init?: RequestInit) => (await (await fetch(url, init)).json()) as Echo;

describe('local HTTP host', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = await startHttpHost({
      port: 0,
      routePrefix: 'api',
      definitions: [
        echo('pixel', '{companyId}/{pixelFile}'),
        echo('health', 'health'),
        echo('literal', 'js/{id}'),
      ],
    });
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('matches route templates, decodes route values and exposes the query lazily', async () => {
    expect(await getEcho(`${base}/12800/1_SMART.GIF?a=x%20y&b=2`)).toMatchObject({
      name: 'pixel',
      params: { companyId: '12800', pixelFile: '1_SMART.GIF' },
      a: 'x y',
    });
  });

  it('prefers literal segments over parameters, as ASP.NET routing does', async () => {
    expect((await getEcho(`${base}/js/7`)).name).toBe('literal');
    expect((await getEcho(`${base}/health`)).name).toBe('health');
  });

  it('overwrites client-ip with the TCP peer, as the App Service front end does', async () => {
    const body = await getEcho(`${base}/1/2`, { headers: { 'client-ip': '6.6.6.6:1' } });
    expect(body.clientIp).toMatch(/^127\.0\.0\.1:\d+$|^\[::1\]:\d+$/);
    expect(body.socket).toMatch(/127\.0\.0\.1|::1/);
  });

  it('passes POST bodies and answers 404 for unknown paths', async () => {
    expect((await getEcho(`${base}/1/2`, { method: 'POST', body: 'a=1' })).body).toBe('a=1');
    expect((await fetch(`${base}/a/b/c/d`)).status).toBe(404);
  });
});

describe('the local runner request (src/local/localRequest.ts)', () => {
  // What node:http hands over: raw header pairs as sent, in order, repeated names included.
  const raw = [
    'Host',
    'Example.com:7071',
    'User-Agent',
    'UA-1',
    'Accept-Language',
    'en',
    'accept-language',
    'de;q=0.5',
    'X-Forwarded-For',
    '1.2.3.4',
    'Client-IP',
    '6.6.6.6:1',
  ];
  const url = '/12800/1_SMART.GIF?a=x%20y&q="<{|}>^`&b=%zz&c=1+2#frag';
  const incoming = { method: 'get', url, headers: { host: 'Example.com:7071' }, rawHeaders: raw };
  const local = () =>
    new LocalHttpRequest(incoming as never, { companyId: '12800' }, { 'client-ip': '127.0.0.1:5' });
  // What the runner built before: a WHATWG Request wrapped by @azure/functions' HttpRequest.
  const reference = () => {
    const headers = new Headers();
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
    headers.set('client-ip', '127.0.0.1:5');
    const nativeRequest = new Request(`http://Example.com:7071${url}`, { method: 'GET', headers });
    return new HttpRequest({ nativeRequest, params: { companyId: '12800' } } as never);
  };

  it('gives handlers the same method, url, query and headers as HttpRequest over a WHATWG Request', () => {
    const [mine, theirs] = [local().asHttpRequest(), reference()];
    expect(mine.method).toBe(theirs.method);
    expect(mine.url).toBe(theirs.url);
    expect([...mine.query]).toEqual([...theirs.query]);
    for (const name of ['user-agent', 'Accept-Language', 'CLIENT-IP', 'x-forwarded-for', 'referer', 'host'])
      expect(mine.headers.get(name)).toBe(theirs.headers.get(name));
    expect(mine.headers.has('DNT')).toBe(false);
    expect([...mine.headers]).toEqual([...theirs.headers]);
    expect(mine.params).toEqual(theirs.params);
  });

  it('answers changes to its headers like Headers does', () => {
    const headers = local().headers;
    headers.set('X-Forwarded-For', '9.9.9.9');
    headers.delete('user-agent');
    expect(headers.get('x-forwarded-for')).toBe('9.9.9.9');
    expect(headers.get('user-agent')).toBeNull();
    expect([...headers.keys()]).toContain('client-ip');
  });
});

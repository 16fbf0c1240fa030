import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpHost } from '../src/local/httpHost.js';
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

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, download } from '../src/enrich/ranges/download.js';
import { fileUrl } from '../src/enrich/ranges/refresh.js';
import { fixtureText } from './support/rangeFixtures.js';
import { type RangeServer, startRangeServer } from './support/rangeServer.js';

describe('range file download', () => {
  let server: RangeServer;
  const limits = { timeoutMs: 2000, maxBytes: 5_000_000 };
  const file = 'oracle-cloud-ip-ranges.json';
  beforeAll(async () => {
    server = await startRangeServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(() => server.fault(file, undefined));

  it('reads the whole file with its validators, then answers not-modified to a conditional request', async () => {
    const first = await download(server.url(file), null, limits);
    expect(first).toMatchObject({ kind: 'body', text: fixtureText(file), lastModified: expect.any(String) });
    if (first.kind !== 'body') throw new Error('no body');
    expect(first.etag).toMatch(/^"[0-9a-f]{40}"$/);
    expect(await download(server.url(file), first, limits)).toEqual({ kind: 'not-modified' });
    // A stale validator gets the whole file again.
    const stale = await download(server.url(file), { etag: '"old"', lastModified: null }, limits);
    expect(stale.kind).toBe('body');
  });

  it.each([
    ['http500', /HTTP 500/],
    ['truncated', /truncated/],
    ['oversized', /oversized: more than 5000000 bytes/],
    ['oversizedDeclared', /oversized: 67108864 bytes/],
    ['hang', /timed out/],
  ] as const)('reports %s as a DownloadError', async (fault, message) => {
    server.fault(file, fault);
    const attempt = download(server.url(file), null, { ...limits, timeoutMs: fault === 'hang' ? 300 : 2000 });
    await expect(attempt).rejects.toThrow(DownloadError);
    await expect(attempt).rejects.toThrow(message);
  });

  it('reports an unreachable server as a DownloadError', async () => {
    await expect(download('http://127.0.0.1:1/x', null, limits)).rejects.toThrow(DownloadError);
  });
});

describe('a provider file named on its download page (Azure: a new dated name every week)', () => {
  let server: RangeServer;
  const limits = { timeoutMs: 2000, maxBytes: 5_000_000 };
  const newest = 'ServiceTags_Public_20261123.json';
  const older = 'ServiceTags_Public_20261116.json';
  beforeAll(async () => {
    server = await startRangeServer({
      [newest]: fixtureText('microsoft-azure-ip-ranges.json'),
      [older]: '{"values": []}',
      'details.aspx': '',
      'moved.aspx': '<html><body>This download is no longer available.</body></html>',
    });
    // The page as Microsoft's: the links among other markup, the older one last.
    server.fault('details.aspx', {
      body: `<html><a href="${server.url(newest)}">Download</a><script>{"url":"${server.url(older)}"}</script></html>`,
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('downloads the newest file the page links', async () => {
    expect(await fileUrl('azure', server.url('details.aspx'), limits)).toBe(server.url(newest));
  });

  it('takes a file URL as it is, without a request, and other providers never read a page', async () => {
    const before = server.requests.get('details.aspx')?.total ?? 0;
    expect(await fileUrl('azure', server.url(older), limits)).toBe(server.url(older));
    expect(await fileUrl('linode', server.url('details.aspx'), limits)).toBe(server.url('details.aspx'));
    expect(server.requests.get('details.aspx')?.total ?? 0).toBe(before);
  });

  it('names the page when it links no file', async () => {
    await expect(fileUrl('azure', server.url('moved.aspx'), limits)).rejects.toThrow(
      /the download page links no file of the provider \(http:\/\/127\.0\.0\.1:\d+\/moved\.aspx\)/,
    );
  });
});

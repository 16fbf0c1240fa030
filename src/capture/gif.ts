/** The 42-byte transparent 1x1 GIF89a that deployed pixels expect, and the headers of every pixel answer. */
export const TRANSPARENT_GIF = Buffer.from(
  'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7',
  'base64',
);

/** Headers shared by every answer of the pixel endpoints (the original's; test/e2e.ingest.test.ts checks them). */
export const PIXEL_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  Expires: '0',
  'Accept-CH':
    'Sec-CH-UA, Sec-CH-UA-Mobile, Sec-CH-UA-Platform, Sec-CH-UA-Platform-Version, Sec-CH-UA-Full-Version-List, Sec-CH-UA-Arch, Sec-CH-UA-Model, Sec-CH-UA-Bitness',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
  'Access-Control-Allow-Origin': '*',
});

export const GIF_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...PIXEL_RESPONSE_HEADERS,
  'Content-Type': 'image/gif',
});

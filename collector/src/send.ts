/**
 * Sends a hit: one GIF request, or, when the URL would be too long for proxies and servers on the way, a
 * sendBeacon POST of the same query string to the `_SMART.DATA` endpoint (which answers 204).
 */
import type { Data } from './util';
import { nav } from './util';

/** Longest URL sent as a GET (common proxy and server limits sit at 8 KB). */
export const MAX_GET_URL = 8000;

export function queryString(d: Data): string {
  const parts: string[] = [];
  for (const k in d) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(d[k]))}`);
  return parts.join('&');
}

/** `force` sends by beacon whatever the length (a form submit may be about to leave the page). */
export function send(pixelUrl: string, query: string, force = false): 'gif' | 'beacon' {
  const url = `${pixelUrl}?${query}`;
  if (url.length <= MAX_GET_URL && !force) {
    const img = new Image(1, 1);
    img.src = url;
    return 'gif';
  }
  const dataUrl = pixelUrl.replace(/_SMART\.GIF$/i, '_SMART.DATA');
  // A string body goes as text/plain, which needs no CORS preflight.
  if (!nav.sendBeacon?.(dataUrl, query)) {
    fetch(dataUrl, { method: 'POST', body: query, keepalive: query.length < 60000, mode: 'no-cors' }).catch(
      () => {},
    );
  }
  return 'beacon';
}

/**
 * The TCP peer of a request, known only to the local runner (the Functions host does not expose it). Kept
 * beside the request object, not in a header, so a client cannot forge it.
 */
import type { HttpRequest } from '@azure/functions';

const peers = new WeakMap<HttpRequest, string>();

export function rememberSocketAddress(request: HttpRequest, address: string | undefined): void {
  if (address) peers.set(request, address);
}

export function socketAddressOf(request: HttpRequest): string | undefined {
  return peers.get(request);
}

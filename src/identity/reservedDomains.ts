/**
 * Domains reserved for documentation and testing (RFC 2606, RFC 6761): example.com, example.net, example.org and
 * their subdomains, and the .example, .test and .invalid top-level domains. Synthetic consumers and demo links
 * use only these, so a generated address can never be a real person's.
 */
const RESERVED_SECOND_LEVEL = ['example.com', 'example.net', 'example.org'];
const RESERVED_TOP_LEVEL = ['example', 'test', 'invalid'];

export function isReservedDomain(domain: string): boolean {
  const d = domain.toLowerCase().replace(/\.$/, '');
  if (RESERVED_SECOND_LEVEL.some((r) => d === r || d.endsWith(`.${r}`))) return true;
  return RESERVED_TOP_LEVEL.includes(d.slice(d.lastIndexOf('.') + 1));
}

/** Each provider's parser and its tie-break for blocks listed twice. */
import type { Rank } from './flatten.js';
import { awsServiceRank, parseAws } from './parsers/aws.js';
import { azureRank, parseAzure } from './parsers/azure.js';
import { parseGcp } from './parsers/gcp.js';
import { parseGeofeed } from './parsers/geofeed.js';
import { parseOracle } from './parsers/oracle.js';
import { parsePlainList } from './parsers/plainList.js';
import type { ParseResult, Provider } from './types.js';

export interface ProviderFormat {
  /** Parses the bodies of the provider's URLs, in setting order; throws FormatError when not its format. */
  parse(bodies: readonly string[]): ParseResult;
  rank?: Rank;
}

export const PROVIDER_FORMATS: Record<Provider, ProviderFormat> = {
  aws: { parse: parseAws, rank: (r) => awsServiceRank(r.service) },
  gcp: { parse: parseGcp },
  azure: { parse: parseAzure, rank: (r) => azureRank(r.region, r.service) },
  oracle: { parse: parseOracle },
  digitalocean: { parse: (b) => parseGeofeed('digitalocean', b) },
  linode: { parse: (b) => parseGeofeed('linode', b) },
  cloudflare: { parse: (b) => parsePlainList('cloudflare', b) },
};

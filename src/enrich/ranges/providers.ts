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
  /**
   * For a provider whose file moves (a new dated name each week): links to the file on its download page. A
   * setting URL that does not end in `.json` is that page, and the newest file it links (the greatest match,
   * names carrying their date) is downloaded instead (refresh.ts).
   */
  fileOnPage?: RegExp;
}

export const PROVIDER_FORMATS: Record<Provider, ProviderFormat> = {
  aws: { parse: parseAws, rank: (r) => awsServiceRank(r.service) },
  gcp: { parse: parseGcp },
  azure: {
    parse: parseAzure,
    rank: (r) => azureRank(r.region, r.service),
    // Microsoft publishes ServiceTags_Public_YYYYMMDD.json weekly under a new name (download id 56519).
    fileOnPage: /https?:\/\/[^\s"'<>]+\/ServiceTags_Public_\d{8}\.json/g,
  },
  oracle: { parse: parseOracle },
  digitalocean: { parse: (b) => parseGeofeed('digitalocean', b) },
  linode: { parse: (b) => parseGeofeed('linode', b) },
  cloudflare: { parse: (b) => parsePlainList('cloudflare', b) },
};

/**
 * Azure service tags (ServiceTags_Public_YYYYMMDD.json): `values[]` {name, properties {region,
 * systemService, addressPrefixes[]}}. Every tag's blocks are Microsoft cloud addresses; the same block appears
 * under several tags (AzureCloud, AzureCloud.<region>, <Service>.<Region>), so the most specific one wins.
 */
import { type ParseResult, RangeCollector } from '../types.js';
import { FormatError } from './formatError.js';
import { addCidr, arrayAt, isObject, parseJson } from './text.js';

export function parseAzure(bodies: readonly string[]): ParseResult {
  const values = arrayAt(parseJson(bodies[0] ?? ''), 'values');
  if (!values) throw new FormatError('not an Azure service tags document (values missing)');
  const out = new RangeCollector('azure');
  for (const tag of values) {
    const properties = isObject(tag) ? tag.properties : undefined;
    const prefixes = arrayAt(properties, 'addressPrefixes');
    if (!isObject(properties) || !prefixes) {
      out.reject(isObject(tag) ? tag.name : JSON.stringify(tag));
      continue;
    }
    for (const prefix of prefixes) addCidr(out, prefix, properties.region, properties.systemService);
  }
  return out.result();
}

/** A block listed under several tags keeps the one naming both a region and a service. */
export const azureRank = (region: string | null, service: string | null): number =>
  (region ? 0 : 1) + (service ? 0 : 2);

/** What the provider parsers yield and what is stored per provider in PiXL.DatacenterRange. */
import { rangeProviders } from '../../config.js';
import type { Family } from '../ip.js';

export const PROVIDERS = rangeProviders;
export type Provider = (typeof PROVIDERS)[number];

export interface IpRange {
  provider: Provider;
  /** The published block, host bits cleared (3.4.12.0/24). */
  cidr: string;
  family: Family;
  prefixLength: number;
  /** 16-byte sortable keys (IPv4 as ::ffff:a.b.c.d), inclusive. */
  start: Buffer;
  end: Buffer;
  region: string | null;
  service: string | null;
}

export interface ParseResult {
  ranges: IpRange[];
  /** Entries that were not a valid block (counted, never fatal). */
  rejected: number;
  /** A few of the rejected entries, for the report. */
  rejectedSamples: string[];
}

/** Collects ranges and rejects for one parse. */
export class RangeCollector {
  readonly ranges: IpRange[] = [];
  rejected = 0;
  readonly rejectedSamples: string[] = [];

  constructor(private readonly provider: Provider) {}

  reject(entry: unknown): void {
    this.rejected++;
    if (this.rejectedSamples.length < 5) this.rejectedSamples.push(String(entry).slice(0, 80));
  }

  result(): ParseResult {
    return { ranges: this.ranges, rejected: this.rejected, rejectedSamples: this.rejectedSamples };
  }

  get providerName(): Provider {
    return this.provider;
  }
}

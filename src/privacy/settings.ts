/**
 * Privacy settings of a pixel (docs/PRIVACY.md). PiXL.Company holds a company's; a pixel's PiXL.Config row can
 * only make them stricter: a flag is on when either says so, and the shorter retention wins. Without rows:
 * GPC honoured, DNT not, addresses kept whole, 365 days. The parse applies the same rule in SQL
 * (scripts/sqlgen/privacy.ts), as do ETL.usp_PurgeRetention and PiXL.vw_PrivacySettings.
 */

export interface PrivacyFlags {
  honorGpc: boolean;
  honorDnt: boolean;
  truncateIp: boolean;
  retentionDays: number | null;
}

/** Rows as stored: PiXL.Company (pixelId null) and PiXL.Config. */
export interface PrivacyRow extends PrivacyFlags {
  companyId: string;
  pixelId: string | null;
}

export const DEFAULT_RETENTION_DAYS = 365;

const NO_COMPANY: PrivacyFlags = { honorGpc: true, honorDnt: false, truncateIp: false, retentionDays: null };
const NO_PIXEL: PrivacyFlags = { honorGpc: false, honorDnt: false, truncateIp: false, retentionDays: null };

export interface EffectivePrivacy {
  honorGpc: boolean;
  honorDnt: boolean;
  truncateIp: boolean;
  retentionDays: number;
}

const minDays = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

export function effectivePrivacy(
  company: PrivacyFlags | undefined,
  pixel: PrivacyFlags | undefined,
): EffectivePrivacy {
  const c = company ?? NO_COMPANY;
  const p = pixel ?? NO_PIXEL;
  return {
    honorGpc: c.honorGpc || p.honorGpc,
    honorDnt: c.honorDnt || p.honorDnt,
    truncateIp: c.truncateIp || p.truncateIp,
    retentionDays: minDays(c.retentionDays, p.retentionDays) ?? DEFAULT_RETENTION_DAYS,
  };
}

/** The effective settings of every pixel, from the stored rows. */
export class PrivacySettings {
  private readonly companies = new Map<string, PrivacyFlags>();
  private readonly pixels = new Map<string, PrivacyFlags>();

  constructor(rows: readonly PrivacyRow[]) {
    for (const row of rows) {
      if (row.pixelId === null) this.companies.set(row.companyId, row);
      else this.pixels.set(`${row.companyId}\u0000${row.pixelId}`, row);
    }
  }

  of(companyId: string, pixelId: string): EffectivePrivacy {
    return effectivePrivacy(this.companies.get(companyId), this.pixels.get(`${companyId}\u0000${pixelId}`));
  }
}

/** Whether a hit with these captured headers opted out under these settings. */
export function optsOut(headers: Readonly<Record<string, string>>, settings: EffectivePrivacy): boolean {
  return (
    (settings.honorGpc && headers['Sec-GPC']?.trim() === '1') ||
    (settings.honorDnt && headers.DNT?.trim() === '1')
  );
}

/** What matching reads from the consumer file, whichever engine holds it (src/db/<engine>/consumers.ts). */

export const CONSUMER_COLUMNS_MATCHING_READS = [
  'RecordID',
  'IndividualKey',
  'AddressKey',
  'EMailNorm',
  'EMailSha256',
] as const;

/** The error for a consumer table that cannot serve matching, naming the setup script that fixes it. */
export function consumerTableUnusable(table: string, setupScript: string, cause: unknown): Error {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `AUTOCONSUMER_TABLE ${table} cannot serve matching (needs ${CONSUMER_COLUMNS_MATCHING_READS.join(', ')}; ` +
      `see ${setupScript}): ${detail}`,
    { cause },
  );
}

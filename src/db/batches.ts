/** How the schema runner (src/db/migrate.ts) cuts a schema file into the pieces it sends. */

/** Splits a script into batches at lines holding only GO, as sqlcmd does (T-SQL files, and any file below). */
export function splitBatches(script: string): string[] {
  return script
    .split(/^\s*GO\s*;?\s*$/im)
    .map((b) => b.trim())
    .filter(Boolean);
}

/**
 * A migration whose first line is this runs each GO-separated batch on its own instead of in one transaction,
 * so a change to a hot table (PiXL.Test) holds its lock for one statement, not the whole file. Each batch must
 * then be safe to run again: a failure leaves the batches before it applied and the migration unrecorded.
 */
export const NO_TRANSACTION_MARKER = '-- smartpixl:no-transaction';

export function runsInOneTransaction(text: string): boolean {
  return !text.trimStart().startsWith(NO_TRANSACTION_MARKER);
}

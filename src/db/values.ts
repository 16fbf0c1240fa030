/** Value conversions both engines share, so a BIGINT reads the same whichever driver fetched it. */

/** A BIGINT sent as text by the driver, as a number; ids beyond 2^53 would lose digits, so they fail loudly. */
export function bigintFromText(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} is beyond the safe integer range`);
  return value;
}

/** Value conversions both engines share, so a BIGINT reads the same whichever driver fetched it. */
import { CLIENT_PARAM_PREFIX } from '../warehouse/fields.js';

/** A BIGINT sent as text by the driver, as a number; ids beyond 2^53 would lose digits, so they fail loudly. */
export function bigintFromText(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`BIGINT ${text} is beyond the safe integer range`);
  return value;
}

/**
 * A landed hit's parameters as its query string gave them: PiXL.Test.ParamsJson plus the client params the writer
 * stores apart (ClientParamsJson, NULL on rows landed before that column, whose ParamsJson still holds them),
 * under their `_cp_` names again.
 */
export function landedParams(
  params: Record<string, string>,
  clientParams: Record<string, string> | null,
): Record<string, string> {
  const all = { ...params };
  for (const [name, value] of Object.entries(clientParams ?? {})) all[CLIENT_PARAM_PREFIX + name] = value;
  return all;
}

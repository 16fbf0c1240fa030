/**
 * Makes one provider's blocks non-overlapping so a lookup is a single index seek ("the last range starting at
 * or before the address": with overlaps, a small block could hide the larger block holding the address).
 * CIDR blocks either nest or are disjoint; each address keeps its most specific block (longest prefix), and
 * a block listed twice keeps the better-ranked entry. A parent split around its children keeps its own Cidr.
 */
import { stepKey } from '../ip.js';
import type { IpRange } from './types.js';

export type Rank = (range: IpRange) => number;

export function flattenRanges(ranges: readonly IpRange[], rank: Rank = () => 0): IpRange[] {
  const sorted = [...ranges].sort(
    (a, b) => Buffer.compare(a.start, b.start) || a.prefixLength - b.prefixLength || rank(a) - rank(b),
  );
  const out: IpRange[] = [];
  const open: IpRange[] = [];
  // Next address not yet written out; always inside the innermost open block.
  let cursor: Buffer | undefined;

  const emit = (range: IpRange, from: Buffer, to: Buffer) => {
    if (Buffer.compare(from, to) <= 0) out.push({ ...range, start: from, end: to });
  };
  const closeUntil = (before: Buffer | undefined) => {
    for (let top = open.at(-1); top && (!before || Buffer.compare(top.end, before) < 0); top = open.at(-1)) {
      open.pop();
      if (cursor) emit(top, cursor, top.end);
      // When the top block ends at the very last address there is nothing after it.
      cursor = top.end.equals(MAX_KEY) ? undefined : stepKey(top.end, 1);
    }
  };

  let previous: IpRange | undefined;
  for (const range of sorted) {
    if (previous?.start.equals(range.start) && previous.end.equals(range.end)) continue;
    previous = range;
    closeUntil(range.start);
    const parent = open.at(-1);
    if (parent && cursor && Buffer.compare(cursor, range.start) < 0)
      emit(parent, cursor, stepKey(range.start, -1));
    cursor = range.start;
    open.push(range);
  }
  closeUntil(undefined);
  return out;
}

const MAX_KEY = Buffer.alloc(16, 0xff);

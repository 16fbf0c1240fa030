/**
 * The parse runner's batch sizes (src/etl/lanes.ts): the numbering starts small and doubles, so the lanes start
 * at once; near the end of a pass each lane takes half of what it has left, so the lanes end together.
 */
import { describe, expect, it } from 'vitest';
import { BATCH_RAMP, laneBatchSize, numberingBatchSize } from '../src/etl/lanes.js';

describe('numbering batch sizes', () => {
  it('start at BatchSize / BATCH_RAMP and double up to BatchSize', () => {
    const sizes = Array.from({ length: 6 }, (_, i) => numberingBatchSize(10_000, i));
    expect(sizes).toEqual([10_000 / BATCH_RAMP, 2500, 5000, 10_000, 10_000, 10_000]);
  });

  it('are at least one row and never above BatchSize, however many calls', () => {
    expect(numberingBatchSize(1, 0)).toBe(1);
    expect(numberingBatchSize(10, 0)).toBe(2);
    expect(numberingBatchSize(10, 1_000)).toBe(10);
  });
});

describe('lane batch sizes', () => {
  const stopped = (rows: number) => ({ stopped: true, rows });

  it('are BatchSize while the numbering runs, and when it numbered nothing (signals off)', () => {
    expect(laneBatchSize(10_000, 0, 2, { stopped: false, rows: 40_000 }, 19_000)).toBe(10_000);
    expect(laneBatchSize(10_000, 1, 2, stopped(0), 0)).toBe(10_000);
  });

  it("take half of the lane's share of the rows left, once the numbering has stopped", () => {
    // 40,000 numbered, two lanes of 8 buckets each: 20,000 rows each.
    expect(laneBatchSize(10_000, 0, 2, stopped(40_000), 0)).toBe(10_000);
    expect(laneBatchSize(10_000, 0, 2, stopped(40_000), 14_000)).toBe(3000);
    // Three lanes: lane 0 has buckets 0, 3, 6, 9, 12 and 15 (6 of 16), lane 2 has 5.
    expect(laneBatchSize(10_000, 0, 3, stopped(16_000), 2000)).toBe(2000);
    expect(laneBatchSize(10_000, 2, 3, stopped(16_000), 2000)).toBe(1500);
  });

  it('never go below BatchSize / BATCH_RAMP, even past the estimate', () => {
    expect(laneBatchSize(10_000, 1, 2, stopped(40_000), 19_900)).toBe(10_000 / BATCH_RAMP);
    expect(laneBatchSize(10_000, 1, 2, stopped(40_000), 25_000)).toBe(10_000 / BATCH_RAMP);
  });
});

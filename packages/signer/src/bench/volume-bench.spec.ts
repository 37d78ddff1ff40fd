import { describe, expect, it } from 'vitest';
import { ratioInterval } from './volume-bench.js';

describe('ratioInterval', () => {
  it('is the ratio of the means, with an interval that holds it and collapses when every round agrees', () => {
    expect(ratioInterval([100, 100, 100], [50, 50, 50])).toEqual({ ratio: 0.5, low: 0.5, high: 0.5 });
    const iv = ratioInterval([100, 110, 90, 105, 95], [60, 50, 55, 45, 52]);
    expect(iv.ratio).toBeCloseTo(262 / 500, 10);
    expect(iv.low).toBeLessThan(iv.ratio);
    expect(iv.high).toBeGreaterThan(iv.ratio);
    expect(ratioInterval([100, 110, 90, 105, 95], [60, 50, 55, 45, 52])).toEqual(iv); // seeded
  });
});

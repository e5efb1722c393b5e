import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { describe as describeSample } from '../../../lib/stats';

describe('describe(): n, mean, sample SD (n − 1), CV %, median, min, max', () => {
  // Hand computation: mean 5, Σ(x − 5)² = 9+1+1+1+0+0+4+16 = 32, sample SD = √(32/7)
  // (the population SD would be √(32/8) = 2 exactly, which must NOT be returned).
  it('[2, 4, 4, 4, 5, 5, 7, 9] gives mean 5, SD √(32/7), CV 100·√(32/7)/5, median 4.5', () => {
    const d = describeSample([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(d.n).toBe(8);
    expect(d.mean).toBe(5);
    expect(d.sd).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(d.sd).not.toBeCloseTo(2, 3); // not the population SD
    expect(d.cv).toBeCloseTo((100 * Math.sqrt(32 / 7)) / 5, 12);
    expect(d.median).toBe(4.5);
    expect(d.min).toBe(2);
    expect(d.max).toBe(9);
  });

  it.each([
    // [title, values, expected] — each expected value by hand
    ['two values 1 and 3: SD √2, CV 100·√2/2', [1, 3], { n: 2, mean: 2, sd: Math.SQRT2, cv: 50 * Math.SQRT2, median: 2, min: 1, max: 3 }],
    ['odd n: median is the middle value', [9, 1, 5], { n: 3, mean: 5, sd: 4, cv: 80, median: 5, min: 1, max: 9 }],
    ['negative mean: CV is relative to |mean| and positive', [-2, -4], { n: 2, mean: -3, sd: Math.SQRT2, cv: (100 * Math.SQRT2) / 3, median: -3, min: -4, max: -2 }],
  ])('%s', (_title, values, expected) => {
    const d = describeSample(values);
    for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
      expect(d[key]).toBeCloseTo(expected[key], 12);
    }
  });

  it.each([
    // Degenerate cases, decided in the doc comment of describe()
    ['n = 0 → n 0 and every statistic NaN', [], { n: 0, mean: NaN, sd: NaN, cv: NaN, median: NaN, min: NaN, max: NaN }],
    ['n = 1 → the value itself, SD and CV NaN', [4.2], { n: 1, mean: 4.2, sd: NaN, cv: NaN, median: 4.2, min: 4.2, max: 4.2 }],
    ['mean 0 → CV NaN (SD still defined)', [-1, 1], { n: 2, mean: 0, sd: Math.SQRT2, cv: NaN, median: 0, min: -1, max: 1 }],
    ['all equal → SD 0, CV 0', [7, 7, 7], { n: 3, mean: 7, sd: 0, cv: 0, median: 7, min: 7, max: 7 }],
  ])('degenerate: %s', (_title, values, expected) => {
    expect(describeSample(values)).toEqual(expected);
  });

  it.each([[NaN], [Infinity], [-Infinity]])('a non-finite value (%s) is a data error and throws', (bad) => {
    expect(() => describeSample([1, bad, 3])).toThrow(RangeError);
  });

  it('property: shifting by b and scaling by a > 0 maps mean to a·mean + b and SD to a·SD', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 2, maxLength: 50 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        (ints, a, b) => {
          const xs = ints.map((v) => v / 100);
          const d = describeSample(xs);
          const t = describeSample(xs.map((v) => a * v + b));
          const scale = Math.abs(a * d.mean) + Math.abs(b) + a * d.sd + 1;
          expect(Math.abs(t.mean - (a * d.mean + b))).toBeLessThanOrEqual(1e-9 * scale);
          expect(Math.abs(t.sd - a * d.sd)).toBeLessThanOrEqual(1e-9 * scale);
        },
      ),
    );
  });
});

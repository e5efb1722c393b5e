import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allowableError, percentDeviation, roundScore, withinAllowableError, type AllowableSpec } from '../../../lib/stats';

describe('allowableError — max(absolute, percent·|T|) (WS/T 403-2024, CLIA 42 CFR 493 Subpart I)', () => {
  it.each<[string, number, AllowableSpec, number]>([
    // [title, target, spec, expected] — hand computations
    ['percent only: 6 % of 3.50', 3.5, { percent: 6 }, 0.21],
    ['absolute only: 0.3 whatever the target', 6, { absolute: 0.3 }, 0.3],
    ['both, absolute larger at a low target: max(0.3, 0.21)', 3.5, { percent: 6, absolute: 0.3 }, 0.3],
    ['both, percent larger at a high target: max(0.3, 0.36)', 6, { percent: 6, absolute: 0.3 }, 0.36],
    ['both equal at the threshold T = 5: max(0.3, 0.3)', 5, { percent: 6, absolute: 0.3 }, 0.3],
    ['negative target uses |T|', -50, { percent: 10 }, 5],
    ['target 0 with percent only allows 0', 0, { percent: 6 }, 0],
    ['target 0 with an absolute limit', 0, { percent: 6, absolute: 0.5 }, 0.5],
  ])('%s', (_title, target, spec, expected) => {
    expect(allowableError(target, spec)).toBeCloseTo(expected, 12);
  });

  it.each<[string, number, AllowableSpec]>([
    ['neither percent nor absolute', 3.5, {}],
    ['negative percent', 3.5, { percent: -6 }],
    ['negative absolute', 3.5, { absolute: -0.3 }],
    ['NaN percent', 3.5, { percent: NaN }],
    ['non-finite target', Infinity, { percent: 6 }],
  ])('%s throws a RangeError', (_title, target, spec) => {
    expect(() => allowableError(target, spec)).toThrow(RangeError);
  });
});

describe('withinAllowableError — |x − T| ≤ allowed, inclusive, no float surprises', () => {
  // DOMAIN.md §2 worked example, potassium at ±6 %: Y N Y N Y, score 60 %, unsatisfactory
  const potassium: [number, number, boolean][] = [
    [3.5, 3.62, true], // |0.12| ≤ 0.21
    [4.2, 4.49, false], // |0.29| > 0.252
    [5.1, 5.05, true], // |−0.05| ≤ 0.306
    [6.0, 6.4, false], // |0.40| > 0.36
    [2.8, 2.95, true], // |0.15| ≤ 0.168
  ];
  it.each(potassium)('potassium ±6 %%: target %f, result %f → acceptable %s', (target, x, expected) => {
    expect(withinAllowableError(x, target, { percent: 6 })).toBe(expected);
  });

  it('the potassium event scores 60 % (3 of 5 acceptable)', () => {
    expect(roundScore(potassium.map(([target, x]) => withinAllowableError(x, target, { percent: 6 })))).toBe(60);
  });

  it.each<[string, number, number, AllowableSpec, boolean]>([
    // [title, x, target, spec, expected]: exactly at the limit is acceptable
    ['3.71 vs 3.50 ± 6 % (limit 0.21): at the limit', 3.71, 3.5, { percent: 6 }, true],
    ['3.29 vs 3.50 ± 6 %: at the lower limit', 3.29, 3.5, { percent: 6 }, true],
    ['3.7101 vs 3.50 ± 6 %: just beyond', 3.7101, 3.5, { percent: 6 }, false],
    ['2.12 vs 2.00 ± 6 %: at the limit, binary |x − T| = 0.1200000000000001 > 0.12', 2.12, 2, { percent: 6 }, true],
    ['1.06 vs 1.00 ± 6 %: at the limit, binary 0.06000000000000005 > 0.06', 1.06, 1, { percent: 6 }, true],
    ['0.94 vs 1.00 ± 6 %: at the lower limit, same float noise', 0.94, 1, { percent: 6 }, true],
    ['1.0600001 vs 1.00 ± 6 %: beyond by 1e-7', 1.0600001, 1, { percent: 6 }, false],
    ['0.9 vs 0.7 ± 0.2 absolute: at the limit, binary 0.20000000000000007 > 0.2', 0.9, 0.7, { absolute: 0.2 }, true],
    ['3.3 vs 3.6 ± 0.3 absolute: at the limit, binary 0.30000000000000027 > 0.3', 3.3, 3.6, { absolute: 0.3 }, true],
    ['4.4 vs 4.1 ± max(0.3, 6 %): absolute wins, at the limit', 4.4, 4.1, { percent: 6, absolute: 0.3 }, true],
    ['4.41 vs 4.1 ± max(0.3, 6 %): beyond', 4.41, 4.1, { percent: 6, absolute: 0.3 }, false],
    ['result equal to the target', 3.5, 3.5, { percent: 6 }, true],
  ])('%s', (_title, x, target, spec, expected) => {
    expect(withinAllowableError(x, target, spec)).toBe(expected);
  });

  it.each([
    // [x, target, limit as computed in binary]
    [2.12, 2, 0.06 * 2],
    [1.06, 1, 0.06 * 1],
    [0.9, 0.7, 0.2],
    [3.3, 3.6, 0.3],
  ])('guard: naive binary |%f − %f| ≤ %f is false, so the cases above really test the rounding', (x, target, limit) => {
    expect(Math.abs(x - target) <= limit).toBe(false);
  });

  it('property: a result closer to the target than an acceptable one is acceptable too', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: -100_000, max: 100_000 }),
        fc.integer({ min: 1, max: 30 }),
        (t, d, pct) => {
          const target = t / 100;
          const x = (t + d) / 100;
          const halfway = (t + Math.trunc(d / 2)) / 100;
          if (withinAllowableError(x, target, { percent: pct })) {
            expect(withinAllowableError(halfway, target, { percent: pct })).toBe(true);
          }
        },
      ),
    );
  });

  it('property: on two-decimal data, symmetric deviations get the same verdict (T + d and T − d)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 30 }), (t, d, pct) => {
        const target = t / 100;
        expect(withinAllowableError((t + d) / 100, target, { percent: pct })).toBe(
          withinAllowableError((t - d) / 100, target, { percent: pct }),
        );
      }),
    );
  });
});

describe('percentDeviation — 100·(x − T)/T', () => {
  it.each([
    [3.62, 3.5, 3.428571], // hand: 0.12/3.5
    [5.05, 5.1, -0.980392], // hand: −0.05/5.1
    [212, 200, 6],
    [-55, -50, 10], // relative to T itself: (−55 + 50)/(−50) = +10 %
  ])('percentDeviation(%f, %f) = %f %%', (x, target, expected) => {
    expect(percentDeviation(x, target)).toBeCloseTo(expected, 6);
  });

  it('target 0 throws (a percentage of zero is undefined; grade with an absolute limit)', () => {
    expect(() => percentDeviation(0.1, 0)).toThrow(RangeError);
  });
});

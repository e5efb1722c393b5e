// lib/stats/moments.ts: moments per part combine into the moments of the whole (Chan, Golub &
// LeVeque 1979), with describe()'s degenerate cases. Expected values by hand or from describe().
import { describe as group, expect, it } from 'vitest';
import fc from 'fast-check';
import { combineMoments, describe, describeMoments, EMPTY_MOMENTS, momentsOf } from '@/lib/stats';

group('momentsOf / combineMoments / describeMoments', () => {
  it.each([
    // values, expected: by hand (mean; Σ(x − mean)²; sample SD = √(Σ/(n − 1)); CV = 100·SD/|mean|)
    [[2, 4, 6], { n: 3, mean: 4, sumSqDev: 8 }, { sd: 2, cv: 50 }],
    [[5], { n: 1, mean: 5, sumSqDev: 0 }, { sd: NaN, cv: NaN }],
    [[-1, 1], { n: 2, mean: 0, sumSqDev: 2 }, { sd: Math.SQRT2, cv: NaN }], // zero mean: no CV
  ])('%j → %j', (values, m, d) => {
    expect(momentsOf(values)).toEqual(m);
    const got = describeMoments(momentsOf(values));
    expect(got.sd).toBe(d.sd);
    expect(got.cv).toBe(d.cv);
  });

  it('no values: n 0, NaN mean, SD and CV', () => {
    expect(describeMoments(EMPTY_MOMENTS)).toEqual({ n: 0, mean: NaN, sd: NaN, cv: NaN });
    expect(combineMoments(EMPTY_MOMENTS, EMPTY_MOMENTS).n).toBe(0);
  });

  it('hand example: [2, 4] and [6] combine to [2, 4, 6]', () => {
    expect(combineMoments(momentsOf([2, 4]), momentsOf([6]))).toEqual({ n: 3, mean: 4, sumSqDev: 8 });
  });

  it('any split into days gives describe() of all the values (to 1e-9 relative)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ min: 1, max: 500, noNaN: true }), { maxLength: 12 }), { minLength: 1, maxLength: 20 }), (days) => {
        const all = days.flat();
        fc.pre(all.length >= 2);
        const m = days.reduce((acc, d) => combineMoments(acc, momentsOf(d)), EMPTY_MOMENTS);
        const want = describe(all);
        const got = describeMoments(m);
        expect(got.n).toBe(want.n);
        expect(Math.abs(got.mean - want.mean)).toBeLessThanOrEqual(1e-9 * Math.abs(want.mean));
        // relative, plus rounding of order 1e-16·mean when the values are (nearly) all equal and the SD ~ 0
        expect(Math.abs(got.sd - want.sd)).toBeLessThanOrEqual(1e-9 * want.sd + 1e-12 * Math.abs(want.mean));
      }),
    );
  });
});

// cvWithinAllowable: the one CV-vs-allowable comparison of the monthly IQC summary and the
// recognition criterion (issue 9). Expected values by hand; potassium's allowable CV 2.5 % is
// WS/T 403-2024's (DOMAIN.md §1, Beijing 2025 list: K 2.5 %).
import { describe, expect, it } from 'vitest';
import { coefficientOfVariationPercent, cvWithinAllowable, roundCvPercent } from '../../../lib/stats';

describe('roundCvPercent(): CVs are judged as reported, to 2 decimals', () => {
  it.each([
    // [title, cv, expected]
    ['1.4285714… (0.05 / 3.50) → 1.43', 100 * (0.05 / 3.5), 1.43],
    ['1.3157894… (0.05 / 3.80) → 1.32', 100 * (0.05 / 3.8), 1.32],
    ['2.505 is binary 2.50499…: still rounds half up to 2.51', 2.505, 2.51],
    ['2.504 → 2.50', 2.504, 2.5],
    ['0 → 0', 0, 0],
  ])('%s', (_t, cv, expected) => {
    expect(roundCvPercent(cv)).toBe(expected);
  });
  it('leaves NaN as NaN', () => expect(roundCvPercent(NaN)).toBeNaN());
});

describe('cvWithinAllowable(): reported CV ≤ allowable CV, inclusive', () => {
  it.each<[string, number | null, number | null, boolean | null]>([
    // issue 9: one lot of K level 1, mean 3.50, SD 0.05 → CV 1.43 % against K's 2.5 %
    ['K lot A alone (CV 1.43 %) meets 2.5 %', coefficientOfVariationPercent(0.05, 3.5), 2.5, true],
    // the mixed-lot CV the old criterion computed (issue 9: 4.21 %) fails
    ['the mixed-lot 4.21 % fails 2.5 %', 4.21, 2.5, false],
    ['exactly at the limit meets it (inclusive)', 2.5, 2.5, true],
    ['2.504 % is reported as 2.50 % and meets 2.5 %', 2.504, 2.5, true],
    ['2.505 % is reported as 2.51 % and fails 2.5 %', 2.505, 2.5, false],
    // 0.1·(…)/… noise: 100·0.075/3 = 2.5000000000000004 in binary
    ['binary noise above the limit (100·0.075/3) still meets 2.5 %', (100 * 0.075) / 3, 2.5, true],
    ['no CV (fewer than 2 values) → cannot say', NaN, 2.5, null],
    ['no allowable CV in the catalogue → cannot say', 1.2, null, null],
    ['null CV → cannot say', null, 2.5, null],
  ])('%s', (_t, cv, limit, expected) => {
    expect(cvWithinAllowable(cv, limit)).toBe(expected);
  });
});

// Limit forms (WS/T 403-2024 threshold rule vs CLIA "greater of"), concentration ranges, rounding of
// reports, scores over evaluated samples, histories with skipped events and u = U/k.
import { describe, expect, it } from 'vitest';
import {
  allowableError,
  evaluatedRoundScore,
  limitAt,
  performanceHistory,
  reportDecimals,
  standardUncertainty,
  withinAllowableError,
  type AllowableSpec,
  type ConcentrationRange,
  type RoundVerdict,
} from '../../../lib/stats';

// WS/T 403-2024 potassium: 0.2 mmol/L when T ≤ 3.3 mmol/L, else 6 % (quality-specs.csv; DOMAIN.md §2)
const K_WST: AllowableSpec = { percent: 6, absolute: 0.2, form: 'threshold', threshold: 3.3 };
// WS/T 403-2024 HbA1c (NGSP): 0.4 %HbA1c when T ≤ 6.7, else 6 % (quality-specs.csv; DOMAIN.md §2)
const HBA1C_WST: AllowableSpec = { percent: 6, absolute: 0.4, form: 'threshold', threshold: 6.7 };
// CLIA 2024 potassium: ± 0.3 mmol/L (quality-specs.csv), read with 6 % as "greater of" for the hand cases
const K_CLIA: AllowableSpec = { percent: 6, absolute: 0.3, form: 'greater_of' };

describe('allowableError — threshold form (WS/T 403-2024) versus greater-of form (CLIA)', () => {
  it.each<[string, number, AllowableSpec, number]>([
    // [title, target, spec, expected] — hand computations from the rule texts
    ['K T = 3.32 (issue 9): 6 % × 3.32 = 0.1992, not 0.2', 3.32, K_WST, 0.1992],
    ['K T = 3.30: at the threshold, inclusive → 0.2', 3.3, K_WST, 0.2],
    ['K T = 3.00: below the threshold → 0.2 (not 6 % × 3 = 0.18)', 3.0, K_WST, 0.2],
    ['K T = 5.00: above → 6 % = 0.30', 5.0, K_WST, 0.3],
    ['K T = 3.3 + 1e-12: float noise counts as at the threshold → 0.2', 3.3 + 1e-12, K_WST, 0.2],
    ['HbA1c T = 6.7: at the threshold → 0.4', 6.7, HBA1C_WST, 0.4],
    ['HbA1c T = 7.0: 6 % × 7.0 = 0.42', 7.0, HBA1C_WST, 0.42],
    ['HbA1c T = 6.0: 0.4 (6 % would be 0.36)', 6.0, HBA1C_WST, 0.4],
    ['greater of, K T = 3.32: max(0.3, 0.1992) = 0.3', 3.32, K_CLIA, 0.3],
    ['greater of, K T = 6.0: max(0.3, 0.36) = 0.36', 6.0, K_CLIA, 0.36],
    ['no form given with both parts reads as greater of (the CLIA wording)', 3.32, { percent: 6, absolute: 0.2 }, 0.2],
  ])('%s', (_title, target, spec, expected) => {
    expect(allowableError(target, spec)).toBeCloseTo(expected, 12);
  });

  it('the two forms differ just above the threshold: the WS/T limit is smaller there', () => {
    expect(allowableError(3.32, K_WST)).toBeLessThan(allowableError(3.32, { ...K_WST, form: 'greater_of' }));
  });

  it('a threshold form without its threshold throws', () => {
    expect(() => allowableError(3.32, { percent: 6, absolute: 0.2, form: 'threshold' })).toThrow(RangeError);
  });

  it.each<[string, number, number, AllowableSpec, boolean]>([
    // [title, x, target, spec, acceptable]
    ['K 3.52 vs 3.32: |0.20| > 0.1992 → not acceptable (max() would say acceptable)', 3.52, 3.32, K_WST, false],
    ['K 3.5192 vs 3.32: |0.1992| at the limit → acceptable', 3.5192, 3.32, K_WST, true],
    ['K 3.12 vs 3.32: |−0.20| > 0.1992 → not acceptable', 3.12, 3.32, K_WST, false],
    ['K 3.50 vs 3.30: |0.20| at the limit (binary 0.20000000000000018) → acceptable', 3.5, 3.3, K_WST, true],
    ['K 3.52 vs 3.32 with greater-of 0.2/6 % → acceptable', 3.52, 3.32, { percent: 6, absolute: 0.2, form: 'greater_of' }, true],
  ])('%s', (_title, x, target, spec, expected) => {
    expect(withinAllowableError(x, target, spec)).toBe(expected);
  });
});

describe('limitAt — concentration ranges from < T ≤ to', () => {
  // two ranges in the shape WS/T 406-2024 uses (a low and a mid-high range); numbers for the test only
  const ranges: ConcentrationRange[] = [
    { from: null, to: 4, spec: { percent: 20 } },
    { from: 4, to: null, spec: { percent: 15 } },
  ];
  it.each<[string, number, AllowableSpec | null]>([
    ['T = 2 is in the low range', 2, { percent: 20 }],
    ['T = 4 (the bound) belongs to the range it ends', 4, { percent: 20 }],
    ['T = 4 + 1e-12 is still 4 for the comparison', 4 + 1e-12, { percent: 20 }],
    ['T = 4.01 is in the mid-high range', 4.01, { percent: 15 }],
    ['T = 400 is in the open upper range', 400, { percent: 15 }],
  ])('%s', (_title, target, expected) => {
    expect(limitAt(target, ranges)).toEqual(expected);
  });

  it('outside every range the fallback applies, and without one there is no limit (null)', () => {
    const bounded: ConcentrationRange[] = [{ from: 1, to: 10, spec: { percent: 10 } }];
    expect(limitAt(0.5, bounded, { percent: 6 })).toEqual({ percent: 6 });
    expect(limitAt(0.5, bounded)).toBeNull();
    expect(limitAt(1, bounded)).toBeNull(); // from is exclusive
    expect(limitAt(10, bounded)).toEqual({ percent: 10 });
  });

  it('the limit is then computed at T: 15 % of 6.0 = 0.9', () => {
    expect(allowableError(6, limitAt(6, ranges)!)).toBeCloseTo(0.9, 12);
  });
});

describe('reportDecimals — shown numbers never contradict the verdict', () => {
  it.each<[string, number, number, boolean, number]>([
    // [title, deviation, allowed, acceptable, decimals]
    ['K 3.52 vs 3.32: 0.20 vs 0.20 at 2 decimals would read "at the limit"; 3 decimals: 0.200 > 0.199', 0.2, 0.1992, false, 3],
    ['potassium example 3.62 vs 3.50: 0.12 ≤ 0.21 at 2 decimals', 0.12, 0.21, true, 2],
    ['4.49 vs 4.20: 0.29 > 0.25 (0.252) at 2 decimals', 0.29, 0.252, false, 2],
    ['deviation 0.1204 vs limit 0.12 (not acceptable) needs 3 decimals: 0.120 = 0.120, 4: 0.1204 > 0.1200', 0.1204, 0.12, false, 4],
    ['exactly at the limit in binary noise (0.1200000000000001 vs 0.12) is acceptable at 2 decimals', 2.12 - 2, 0.12, true, 2],
  ])('%s', (_title, deviation, allowed, acceptable, expected) => {
    expect(reportDecimals(deviation, allowed, acceptable)).toBe(expected);
  });
});

describe('evaluatedRoundScore — not-evaluated samples count neither for nor against the lab', () => {
  it.each<[string, (boolean | null)[], { score: number; evaluated: number; acceptable: number } | null]>([
    ['Y N Y N Y (DOMAIN.md §2) → 60 over 5', [true, false, true, false, true], { score: 60, evaluated: 5, acceptable: 3 }],
    ['Y — Y N Y → 75 over 4 (one sample not evaluated)', [true, null, true, false, true], { score: 75, evaluated: 4, acceptable: 3 }],
    ['4 of 4 evaluated, 1 not → 100, satisfactory', [true, true, null, true, true], { score: 100, evaluated: 4, acceptable: 4 }],
    ['nothing evaluated → null (the event is skipped)', [null, null, null], null],
  ])('%s', (_title, flags, expected) => {
    expect(evaluatedRoundScore(flags)).toEqual(expected);
  });
});

describe('performanceHistory — skipped events (null) do not break "consecutive" (DOMAIN.md §2)', () => {
  const S: RoundVerdict = 'satisfactory';
  const U: RoundVerdict = 'unsatisfactory';
  it.each<[string, (RoundVerdict | null)[], boolean[]]>([
    ['S,U,S,U → event 4', [S, U, S, U], [false, false, false, true]],
    ['U,U,S → event 2', [U, U, S], [false, true, false]],
    ['U,S,S,U → never', [U, S, S, U], [false, false, false, false]],
    ['U, (not enrolled), U → the two U are consecutive events of the lab: unsuccessful', [U, null, U], [false, false, true]],
    ['U,S, (skipped), S,U → never: S,S lie between the U', [U, S, null, S, U], [false, false, false, false, false]],
    ['S,U, (skipped), S,U → two of three counted events', [S, U, null, S, U], [false, false, false, false, true]],
  ])('%s', (_title, verdicts, expected) => {
    expect(performanceHistory(verdicts).map((r) => r.unsuccessful)).toEqual(expected);
  });
});

describe('standardUncertainty — u = U/k (GUM 6.2.1), k = 2 by default', () => {
  it.each<[string, number, number | undefined, number]>([
    ['U = 0.04, k omitted (2) → 0.02', 0.04, undefined, 0.02],
    ['U = 0.06, k = 3 → 0.02', 0.06, 3, 0.02],
    ['U = 0 → 0', 0, 2, 0],
  ])('%s', (_title, U, k, expected) => {
    expect(standardUncertainty(U, k)).toBeCloseTo(expected, 12);
  });
  it('k ≤ 0 or a negative U throws', () => {
    expect(() => standardUncertainty(0.04, 0)).toThrow(RangeError);
    expect(() => standardUncertainty(-0.04)).toThrow(RangeError);
  });
});

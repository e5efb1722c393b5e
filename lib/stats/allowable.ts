import { assertFinite, assertNonNegative, roundForDecision } from './numeric';

/** How a limit that has both a percent and an absolute part combines them, as one tuple for enums. */
export const LIMIT_FORMS = ['threshold', 'greater_of'] as const;
/**
 * - `threshold` (WS/T 403-2024, NCCL): the absolute amount at or below the threshold concentration,
 *   the percentage above it.
 * - `greater_of` (CLIA 42 CFR 493 Subpart I): "± p % or ± a, whichever is greater", max(a, p·|T|).
 */
export type LimitForm = (typeof LIMIT_FORMS)[number];

/**
 * Allowable total error of an EQA sample: a percentage of the target (in percent units: 6 means
 * ±6 %), an absolute amount in the analyte's unit, or both. With both, `form` says how they combine
 * (default `greater_of`, the CLIA reading) and a `threshold` form needs the `threshold` concentration.
 */
export interface AllowableSpec {
  percent?: number;
  absolute?: number;
  form?: LimitForm;
  /** threshold concentration of the `threshold` form: the absolute amount applies at T ≤ threshold */
  threshold?: number;
}

/**
 * Allowed deviation |x − T| for a target T (DOMAIN.md §2: the two forms are **not** equal):
 * - percent only: percent/100·|T|; absolute only: the absolute amount;
 * - `threshold` form (WS/T 403-2024): the absolute amount when |T| ≤ threshold (inclusive, compared
 *   after rounding to 9 decimals), else percent/100·|T|. Potassium 0.2 mmol/L at T ≤ 3.3, else 6 %:
 *   at T = 3.32 the limit is 0.06 × 3.32 = 0.1992, **not** 0.2;
 * - `greater_of` form (CLIA 42 CFR 493 Subpart I, "target value ± X % or ± Y units, whichever is
 *   greater"): max(absolute, percent/100·|T|). Potassium ± 0.3 mmol/L or 6 % at T = 6.0: 0.36.
 *
 * Throws a RangeError when neither limit is given, a limit or threshold is negative or not finite,
 * a threshold form has no threshold, or the target is not finite.
 *
 * @example allowableError(3.5, { percent: 6 }) // => 0.21
 * @example allowableError(3.32, { percent: 6, absolute: 0.2, form: 'threshold', threshold: 3.3 }) // => 0.1992
 * @example allowableError(3.3, { percent: 6, absolute: 0.2, form: 'threshold', threshold: 3.3 }) // => 0.2
 * @example allowableError(3.5, { percent: 6, absolute: 0.3, form: 'greater_of' }) // => 0.3
 * @example allowableError(6.0, { percent: 6, absolute: 0.3 }) // => 0.36
 */
export function allowableError(target: number, spec: AllowableSpec): number {
  assertFinite('target', target);
  const { percent, absolute } = spec;
  if (percent === undefined && absolute === undefined) {
    throw new RangeError('allowable error spec needs percent, absolute, or both');
  }
  if (percent !== undefined) assertNonNegative('spec.percent', percent);
  if (absolute !== undefined) assertNonNegative('spec.absolute', absolute);
  const relative = percent !== undefined ? (percent / 100) * Math.abs(target) : undefined;
  if (relative === undefined) return absolute!;
  if (absolute === undefined) return relative;
  if (spec.form === 'threshold') {
    if (spec.threshold === undefined) throw new RangeError('a threshold limit needs spec.threshold');
    assertFinite('spec.threshold', spec.threshold);
    return roundForDecision(Math.abs(target)) <= roundForDecision(spec.threshold) ? absolute : relative;
  }
  if (spec.form !== undefined && spec.form !== 'greater_of') throw new RangeError(`unknown limit form ${String(spec.form)}`);
  return Math.max(absolute, relative);
}

/**
 * One concentration range of a concentration-dependent limit (WS/T 406-2024 states haematology
 * requirements by concentration range). A range covers from < T ≤ to, i.e. each range holds its
 * upper bound ("at or below", as the WS/T threshold rule); `from: null` is −∞ and `to: null` is +∞.
 */
export interface ConcentrationRange {
  from: number | null;
  to: number | null;
  spec: AllowableSpec;
}

/**
 * The limit that applies at target T: the spec of the range holding T (from < T ≤ to, bounds
 * compared after rounding to 9 decimals), else `fallback`, else null (no limit is known for T; the
 * caller must not grade the sample).
 *
 * @example
 * const ranges = [{ from: null, to: 4, spec: { percent: 20 } }, { from: 4, to: null, spec: { percent: 15 } }];
 * limitAt(4, ranges) // => { percent: 20 } (4 is in the range that ends at 4)
 * limitAt(4.01, ranges) // => { percent: 15 }
 */
export function limitAt(target: number, ranges: readonly ConcentrationRange[], fallback: AllowableSpec | null = null): AllowableSpec | null {
  assertFinite('target', target);
  const t = roundForDecision(target);
  for (const r of ranges) {
    if (r.from !== null && t <= roundForDecision(r.from)) continue;
    if (r.to !== null && t > roundForDecision(r.to)) continue;
    return r.spec;
  }
  return fallback;
}

/**
 * Whether a result is acceptable: |x − T| ≤ allowableError(T, spec), inclusive at the limit
 * (DOMAIN.md §2; CLIA 42 CFR 493 Subpart I). Both sides are rounded to 9 decimals before the
 * comparison, so a result exactly at the limit is acceptable even when binary floating point
 * puts it just outside: for 2.12 against 2.00 ± 6 %, |2.12 − 2.00| = 0.1200000000000001 while
 * 0.06 × 2.00 = 0.12. Deviations differing from the limit only by float noise count as equal.
 *
 * @example withinAllowableError(2.12, 2, { percent: 6 }) // => true (exactly at the limit)
 * @example withinAllowableError(3.71, 3.5, { percent: 6 }) // => true (exactly at the limit)
 * @example withinAllowableError(4.49, 4.2, { percent: 6 }) // => false (0.29 > 0.252)
 */
export function withinAllowableError(x: number, target: number, spec: AllowableSpec): boolean {
  assertFinite('x', x);
  const allowed = allowableError(target, spec);
  return roundForDecision(Math.abs(x - target)) <= roundForDecision(allowed);
}

/**
 * Percent deviation from target, 100·(x − T)/T (the "bias %" of an EQA result).
 *
 * Throws a RangeError when T = 0 (a percentage of zero is undefined: grade such samples with an
 * absolute limit) or an argument is not finite.
 *
 * @example percentDeviation(3.62, 3.5) // => 3.428571… (%)
 * @example percentDeviation(5.05, 5.1) // => -0.980392… (%)
 */
export function percentDeviation(x: number, target: number): number {
  assertFinite('x', x);
  assertFinite('target', target);
  if (target === 0) throw new RangeError('percentDeviation is undefined for target 0');
  return (100 * (x - target)) / target;
}

/**
 * Decimals with which a report shows a deviation and its limit so that the rounded numbers never
 * contradict the verdict: the fewest decimals, at least `minDecimals` and at most 9, at which
 * round(|deviation|) ≤ round(allowed) exactly when the result is acceptable. Potassium at T = 3.32
 * (limit 0.1992), result 3.52: at 2 decimals 0.20 vs 0.20 reads as "at the limit" for a result that
 * is not acceptable; at 3 decimals 0.200 > 0.199 agrees.
 *
 * @example reportDecimals(0.2, 0.1992, false) // => 3
 * @example reportDecimals(0.12, 0.21, true) // => 2
 */
export function reportDecimals(deviation: number, allowed: number, acceptable: boolean, minDecimals = 2): number {
  assertFinite('deviation', deviation);
  assertFinite('allowed', allowed);
  const d = Math.abs(deviation);
  for (let decimals = Math.max(0, Math.min(minDecimals, 9)); decimals < 9; decimals++) {
    const f = 10 ** decimals;
    const rd = Math.round(roundForDecision(d) * f) / f;
    const ra = Math.round(roundForDecision(allowed) * f) / f;
    if (acceptable ? rd <= ra : rd > ra) return decimals;
  }
  return 9;
}

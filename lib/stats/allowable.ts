import { assertFinite, assertNonNegative, roundForDecision } from './numeric';

/**
 * Allowable total error of an EQA sample: a percentage of the target (in percent units: 6 means
 * ±6 %), an absolute amount in the analyte's unit, or both.
 */
export interface AllowableSpec {
  percent?: number;
  absolute?: number;
}

/**
 * Allowed deviation |x − T| for a target T: percent/100·|T|, the absolute amount, or with both
 * the larger of the two, max(absolute, percent/100·|T|). Source: CLIA 42 CFR 493 Subpart I,
 * whose limits read "target value ± X % or ± Y units, whichever is greater", and WS/T 403-2024,
 * whose "absolute at or below a threshold, percent above" is the same rule (DOMAIN.md §2).
 *
 * Throws a RangeError when neither limit is given, a limit is negative or not finite, or the
 * target is not finite.
 *
 * @example allowableError(3.5, { percent: 6 }) // => 0.21
 * @example allowableError(3.5, { percent: 6, absolute: 0.3 }) // => 0.3
 * @example allowableError(6.0, { percent: 6, absolute: 0.3 }) // => 0.36
 */
export function allowableError(target: number, spec: AllowableSpec): number {
  assertFinite('target', target);
  const { percent, absolute } = spec;
  if (percent === undefined && absolute === undefined) {
    throw new RangeError('allowable error spec needs percent, absolute, or both');
  }
  let allowed = 0;
  if (percent !== undefined) {
    assertNonNegative('spec.percent', percent);
    allowed = (percent / 100) * Math.abs(target);
  }
  if (absolute !== undefined) {
    assertNonNegative('spec.absolute', absolute);
    allowed = Math.max(allowed, absolute);
  }
  return allowed;
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

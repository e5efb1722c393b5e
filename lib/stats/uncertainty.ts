import { assertNonNegative, assertPositive, roundForDecision } from './numeric';

/** Factor of ISO 13528:2022 7.7.3: u(x_pt) = 1.25·s* / √p. */
export const ASSIGNED_VALUE_UNCERTAINTY_FACTOR = 1.25;

/** Ratio of ISO 13528:2022 9.2.1: u(x_pt) is negligible when it is at most 0.3·σpt. */
export const NEGLIGIBLE_UNCERTAINTY_RATIO = 0.3;

/**
 * Standard uncertainty of an assigned value obtained by Algorithm A from p participants'
 * results, ISO 13528:2022 7.7.3 (formula also in ISO 13528:2015 7.7.3): u(x_pt) = 1.25·s* / √p.
 *
 * Throws a RangeError when robustSd is negative or not finite, or p is not a positive integer.
 *
 * @example
 * // ISO 13528:2015 E.3 data, s* = 0.4961482 from Algorithm A, p = 12 (DOMAIN.md §3)
 * uncertaintyOfAssignedValue(0.4961482, 12) // => 0.179032…
 */
export function uncertaintyOfAssignedValue(robustSd: number, p: number): number {
  assertNonNegative('robustSd', robustSd);
  if (!Number.isInteger(p) || p < 1) {
    throw new RangeError(`p (number of participants) must be a positive integer, got ${p}`);
  }
  return (ASSIGNED_VALUE_UNCERTAINTY_FACTOR * robustSd) / Math.sqrt(p);
}

/**
 * Whether the uncertainty of the assigned value can be neglected when scoring,
 * ISO 13528:2022 9.2.1: u(x_pt) ≤ 0.3·σpt (inclusive, compared after rounding both sides to
 * 9 decimals). When it is not negligible, score with z′ ({@link zPrimeScore}) or reduce u.
 *
 * Throws a RangeError when u is negative or σpt ≤ 0.
 *
 * @example isUncertaintyNegligible(0.179032, 0.496148) // => false (0.3 × 0.496148 = 0.148844)
 * @example isUncertaintyNegligible(0.3, 1) // => true (exactly at the limit)
 */
export function isUncertaintyNegligible(u: number, sigmaPt: number): boolean {
  assertNonNegative('u', u);
  assertPositive('sigmaPt', sigmaPt);
  return roundForDecision(u) <= roundForDecision(NEGLIGIBLE_UNCERTAINTY_RATIO * sigmaPt);
}

/** Coverage factor assumed for an expanded uncertainty given without one (about 95 % coverage, GUM 6.3). */
export const DEFAULT_COVERAGE_FACTOR = 2;

/**
 * Standard uncertainty from an expanded uncertainty and its coverage factor, u = U/k (JCGM 100:2008
 * (GUM) 6.2.1; ISO 13528:2022 7.7 uses the standard uncertainty u(x_pt) of a reference value).
 *
 * Throws a RangeError when U is negative or k ≤ 0, or either is not finite.
 *
 * @example standardUncertainty(0.04) // => 0.02 (k = 2)
 * @example standardUncertainty(0.06, 3) // => 0.02
 */
export function standardUncertainty(expanded: number, k: number = DEFAULT_COVERAGE_FACTOR): number {
  assertNonNegative('expanded', expanded);
  assertPositive('k', k);
  return expanded / k;
}

/**
 * Imprecision against a quality specification: is a laboratory's CV within the allowable CV?
 *
 * One comparison for every place that judges it (the monthly IQC summary and the recognition
 * criterion, issue 9), so that the same CV never passes on one page and fails on another.
 */
import { roundForDecision } from './numeric';

/** CVs are reported (pages, CSV, API) with this many decimals, and judged as reported. */
export const CV_DECIMALS = 2;

const CV_SCALE = 10 ** CV_DECIMALS;

/**
 * A CV in percent rounded half away from zero to {@link CV_DECIMALS} decimals, as LabQC reports it.
 * The product ×100 is cleaned of binary noise first (2.505·100 is 250.49999999999997 in binary,
 * which would otherwise round down to 2.50). NaN and ±Infinity are returned as they are.
 *
 * @example roundCvPercent(1.4285714) // => 1.43
 * @example roundCvPercent(2.505) // => 2.51
 */
export function roundCvPercent(cvPercent: number): number {
  if (!Number.isFinite(cvPercent)) return cvPercent;
  const r = Math.round(roundForDecision(Math.abs(cvPercent) * CV_SCALE)) / CV_SCALE;
  return cvPercent < 0 ? -r : r;
}

/**
 * Whether an observed CV (percent) meets an allowable CV (percent): the CV rounded as reported
 * ({@link roundCvPercent}) is at or below the allowable CV (inclusive, as WS/T 403-2024 states its
 * specifications as maxima, "CV ≤ allowable"). Judging the reported figure means a CV shown as
 * 2.50 % never "fails" a 2.5 % limit.
 *
 * Degenerate cases, decided once: an unknown or non-finite CV (fewer than 2 values, mean 0) or an
 * unknown allowable CV gives `null` ("cannot say"), never true or false.
 *
 * @example cvWithinAllowable(1.43, 2.5) // => true
 * @example cvWithinAllowable(2.504, 2.5) // => true  (reported as 2.50)
 * @example cvWithinAllowable(2.505, 2.5) // => false (reported as 2.51)
 * @example cvWithinAllowable(NaN, 2.5) // => null
 */
export function cvWithinAllowable(cvPercent: number | null | undefined, allowablePercent: number | null | undefined): boolean | null {
  if (cvPercent == null || allowablePercent == null || !Number.isFinite(cvPercent) || !Number.isFinite(allowablePercent)) return null;
  return roundCvPercent(cvPercent) <= roundForDecision(allowablePercent);
}

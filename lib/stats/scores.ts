import { assertFinite, assertNonNegative, assertPositive, roundForDecision } from './numeric';

/** Classes of a z, z′ or ζ score, ISO 13528:2022 9.4.1, as one tuple for enums and forms. */
export const Z_CLASSES = ['satisfactory', 'questionable', 'unsatisfactory'] as const;
/** Class of a z, z′ or ζ score. */
export type ZClass = (typeof Z_CLASSES)[number];

/** Classes of an En number, ISO 13528:2022 9.7. */
export const EN_CLASSES = ['satisfactory', 'unsatisfactory'] as const;
/** Class of an En number. */
export type EnClass = (typeof EN_CLASSES)[number];

/**
 * z score, ISO 13528:2022 9.4: z = (x − x_pt)/σpt. Also the Levey-Jennings z of a QC result,
 * (x − target mean)/target SD.
 *
 * Throws a RangeError when σpt ≤ 0 or an argument is not finite.
 *
 * @example zScore(1.80, 1.453333, 0.496148) // => 0.6987… (ISO 13528 E.3 assigned value and s*)
 * @example zScore(208, 200, 4) // => 2 (Westgard's cholesterol control 1 at its 2s limit)
 */
export function zScore(x: number, assigned: number, sigmaPt: number): number {
  assertFinite('x', x);
  assertFinite('assigned', assigned);
  assertPositive('sigmaPt', sigmaPt);
  return (x - assigned) / sigmaPt;
}

/**
 * z′ score, ISO 13528:2022 9.5: z′ = (x − x_pt)/√(σpt² + u²(x_pt)), for when u(x_pt) is not
 * negligible (see `isUncertaintyNegligible`).
 *
 * Throws a RangeError when σpt ≤ 0, u(x_pt) < 0 or an argument is not finite.
 *
 * @example zPrimeScore(2.5, 1.5, 0.3, 0.4) // => 2 (√(0.09 + 0.16) = 0.5)
 */
export function zPrimeScore(x: number, assigned: number, sigmaPt: number, uAssigned: number): number {
  assertFinite('x', x);
  assertFinite('assigned', assigned);
  assertPositive('sigmaPt', sigmaPt);
  assertNonNegative('uAssigned', uAssigned);
  return (x - assigned) / Math.hypot(sigmaPt, uAssigned);
}

/**
 * ζ (zeta) score, ISO 13528:2022 9.6: ζ = (x − x_pt)/√(u²(x) + u²(x_pt)), with standard
 * uncertainties of the participant's result and of the assigned value.
 *
 * Throws a RangeError when an uncertainty is negative or both are 0, or an argument is not finite.
 *
 * @example zetaScore(10.5, 10, 0.3, 0.4) // => 1 (√(0.09 + 0.16) = 0.5)
 */
export function zetaScore(x: number, assigned: number, uX: number, uAssigned: number): number {
  assertFinite('x', x);
  assertFinite('assigned', assigned);
  assertNonNegative('uX', uX);
  assertNonNegative('uAssigned', uAssigned);
  const denominator = Math.hypot(uX, uAssigned);
  if (denominator === 0) throw new RangeError('zetaScore needs uX or uAssigned greater than 0');
  return (x - assigned) / denominator;
}

/**
 * En number, ISO 13528:2022 9.7: En = (x − x_pt)/√(U²(x) + U²(x_pt)), with *expanded*
 * uncertainties (usually k = 2).
 *
 * Throws a RangeError when an uncertainty is negative or both are 0, or an argument is not finite.
 *
 * @example enNumber(10.5, 10, 0.3, 0.4) // => 1
 */
export function enNumber(x: number, assigned: number, UX: number, UAssigned: number): number {
  assertFinite('x', x);
  assertFinite('assigned', assigned);
  assertNonNegative('UX', UX);
  assertNonNegative('UAssigned', UAssigned);
  const denominator = Math.hypot(UX, UAssigned);
  if (denominator === 0) throw new RangeError('enNumber needs UX or UAssigned greater than 0');
  return (x - assigned) / denominator;
}

/**
 * Classifies a z, z′ or ζ score, ISO 13528:2022 9.4.1: |z| ≤ 2.0 satisfactory (no signal),
 * 2.0 < |z| < 3.0 questionable (warning signal), |z| ≥ 3.0 unsatisfactory (action signal).
 * |z| is rounded to 9 decimals first, so 2.0000000000000004 from floating-point error counts as 2.
 *
 * Throws a RangeError for NaN; ±Infinity is unsatisfactory.
 *
 * @example classifyZ(2) // => 'satisfactory'
 * @example classifyZ(-2.5) // => 'questionable'
 * @example classifyZ(3) // => 'unsatisfactory'
 */
export function classifyZ(z: number): ZClass {
  if (typeof z !== 'number' || Number.isNaN(z)) throw new RangeError(`z must be a number, got ${String(z)}`);
  const a = roundForDecision(Math.abs(z));
  if (a <= 2) return 'satisfactory';
  if (a < 3) return 'questionable';
  return 'unsatisfactory';
}

/**
 * The bar of the round's z distribution a z falls in: bins of width 1 from ≤ −3 (−4) to ≥ 4 (4),
 * named by their lower edge, whose edges are the classes' (z rounded to 9 decimals as classifyZ
 * does): |z| ≤ 2 lies in −2 … 1, 2 < |z| < 3 in −3 or 2, |z| ≥ 3 in −4, 3 or 4. So z = 2 (and
 * 2.0000000000000018) counts in 1…2, z = −3 in ≤ −3, never in the questionable bars.
 *
 * Throws a RangeError for NaN.
 */
export function zBin(z: number): number {
  if (typeof z !== 'number' || Number.isNaN(z)) throw new RangeError(`z must be a number, got ${String(z)}`);
  const r = roundForDecision(z);
  if (r >= 3) return Math.min(4, Math.floor(r));
  if (r > 2) return 2;
  if (r >= -2) return Math.min(1, Math.floor(r));
  if (r > -3) return -3;
  return -4;
}

/**
 * Classifies an En number, ISO 13528:2022 9.7: |En| ≤ 1.0 satisfactory, |En| > 1.0
 * unsatisfactory (|En| rounded to 9 decimals first).
 *
 * Throws a RangeError for NaN.
 *
 * @example classifyEn(1) // => 'satisfactory'
 * @example classifyEn(-1.01) // => 'unsatisfactory'
 */
export function classifyEn(en: number): EnClass {
  if (typeof en !== 'number' || Number.isNaN(en)) throw new RangeError(`En must be a number, got ${String(en)}`);
  return roundForDecision(Math.abs(en)) <= 1 ? 'satisfactory' : 'unsatisfactory';
}

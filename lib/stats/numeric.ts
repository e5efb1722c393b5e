/**
 * Shared numeric helpers for decisions that must not depend on binary floating-point noise.
 *
 * Every pass/fail decision in LabQC (|z| against 2 and 3, a deviation against the allowable
 * error, u(x_pt) against 0.3·σpt, a sigma against the rule table) compares numbers that were
 * computed in binary floating point: 3.71 − 3.50 is 0.20999999999999996 and 0.06 × 3.50 is
 * 0.21000000000000002. Both sides are therefore rounded to {@link DECISION_DECIMALS} decimal
 * places before comparing, so values that are equal in decimal arithmetic compare equal.
 * The rounding is meaningful for magnitudes below about 9·10⁶ (beyond that, doubles no longer
 * hold 9 decimals and the value is compared as is); laboratory concentrations and z-values are
 * far below that.
 */

/** Number of decimal places kept before a decision compares two numbers. */
export const DECISION_DECIMALS = 9;

const DECISION_SCALE = 10 ** DECISION_DECIMALS;

/**
 * Rounds `x` to {@link DECISION_DECIMALS} decimals, half away from zero, so that
 * `roundForDecision(-x) === -roundForDecision(x)` holds exactly.
 *
 * @example roundForDecision(2.0000000000000018) // => 2
 * @example roundForDecision(0.20999999999999996) // => 0.21
 */
export function roundForDecision(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(Math.abs(x) * DECISION_SCALE) / DECISION_SCALE;
  return x < 0 ? -r : r;
}

/** Throws a RangeError unless `value` is a finite number. */
export function assertFinite(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
}

/** Throws a RangeError unless `value` is a finite number greater than 0. */
export function assertPositive(name: string, value: number): void {
  assertFinite(name, value);
  if (value <= 0) throw new RangeError(`${name} must be greater than 0, got ${value}`);
}

/** Throws a RangeError unless `value` is a finite number greater than or equal to 0. */
export function assertNonNegative(name: string, value: number): void {
  assertFinite(name, value);
  if (value < 0) throw new RangeError(`${name} must not be negative, got ${value}`);
}

/** Throws a RangeError unless every element of `values` is a finite number. */
export function assertAllFinite(name: string, values: readonly number[]): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${name}[${i}] must be a finite number, got ${String(v)}`);
    }
  }
}

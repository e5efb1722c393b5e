import { interquartileRange, medianAbsoluteDeviation, medianSorted } from 'simple-statistics';
import { assertAllFinite, assertPositive } from './numeric';

/**
 * Constants of Algorithm A, ISO 13528:2022 Annex C.3.1 (identical in ISO 13528:2015 C.3.1 and in
 * ISO 5725-5:1998, where Algorithm A comes from):
 * - `madScale` 1.483 turns the median absolute deviation into an SD estimate for normal data;
 * - `winsorFactor` 1.5: values are clamped into x* ± 1.5·s*;
 * - `sdCorrection` 1.134 corrects the SD of the clamped values for the clamping.
 */
export const ALGORITHM_A_CONSTANTS = Object.freeze({
  madScale: 1.483,
  winsorFactor: 1.5,
  sdCorrection: 1.134,
});

/** Scale factor of the normalised interquartile range, ISO 13528:2022 C.2.3: 0.7413·IQR. */
export const NIQR_SCALE = 0.7413;

/** Options of {@link algorithmA}. */
export interface AlgorithmAOptions {
  /**
   * Relative convergence tolerance: iteration stops when neither x* nor s* changed by more
   * than `tolerance`·s* in the last update. Default 1e-9.
   */
  tolerance?: number;
  /** Maximum number of updates before giving up with an Error. Default 1,000,000. */
  maxIterations?: number;
}

/** Robust mean and SD from {@link algorithmA}. */
export interface AlgorithmAResult {
  /** Robust average x*. */
  mean: number;
  /** Robust standard deviation s*. */
  sd: number;
  /**
   * Number of updates performed (each update = clamp, then recompute x* and s*). The start
   * (median, 1.483·MAD) is not counted; the last update counted is the one whose change was
   * within the tolerance. For the ISO 13528 E.3 data this is 6: updates 1 to 5 move the
   * estimates and update 6 confirms the fixed point (1.453333, 0.496148).
   */
  iterations: number;
}

/** One row of {@link algorithmATrace}: the estimates after `iteration` updates (0 = start). */
export interface AlgorithmAStep {
  iteration: number;
  mean: number;
  sd: number;
}

/**
 * Robust average and standard deviation by **Algorithm A**, ISO 13528:2022 Annex C.3.1
 * (from ISO 5725-5).
 *
 * 1. Start: x* = median(xᵢ), s* = 1.483·median|xᵢ − x*|.
 * 2. Update: δ = 1.5·s*; clamp every *original* xᵢ into [x* − δ, x* + δ];
 *    x* = mean of the clamped values; s* = 1.134·SD(clamped values, divisor n − 1).
 * 3. Repeat 2 until convergence.
 *
 * Difference from the standard, stated as DOMAIN.md §3 asks: ISO 13528 allows stopping when the
 * third significant figure no longer changes; that can stop while s* still drifts, so this
 * implementation iterates **to convergence**: it stops after the first update in which neither
 * x* nor s* changed by more than `tolerance`·s* (default 1e-9·s*; a change of a few units in the
 * last place of x* is also treated as no change, so data such as 10⁶ ± 10⁻⁴ cannot loop forever
 * at floating-point resolution). After `maxIterations` (default 1,000,000) updates without
 * convergence it throws.
 *
 * Convergence can take thousands of updates: when most values sit at the median and a few lie far
 * off (five 0s, ±0.01 and outliers near ±7), s* starts tiny and grows by well under 1 % per update
 * until the outliers are inside x* ± 1.5·s* (1,001 updates there; 13,751 for one set of 28 such
 * values). Each update therefore costs two binary searches on the sorted values, not a pass over
 * them: the clamped values are `k` copies of each bound plus the unclamped block, whose mean and
 * sum of squares are summed again only when a value crosses a bound.
 *
 * The computation runs on the sorted values, so the result does not depend on input order (bit
 * for bit).
 *
 * Throws an Error for fewer than 3 values, and when the initial MAD is 0 (more than half of the
 * values are equal): Algorithm A has no answer then; the caller must fall back explicitly (e.g. to
 * fixed limits) and say so in the report. Throws a RangeError for non-finite values.
 *
 * @example
 * // ISO 13528:2015 E.3 data (DOMAIN.md §3)
 * algorithmA([1.69, 0.74, 2.05, 1.14, 2.19, 1.39, 1.52, 1.50, 1.58, 0.80, 1.21, 1.63])
 * // => { mean: 1.4533333…, sd: 0.4961482…, iterations: 6 }
 */
export function algorithmA(values: readonly number[], options: AlgorithmAOptions = {}): AlgorithmAResult {
  return iterateAlgorithmA(values, options);
}

/**
 * Algorithm A (see {@link algorithmA}) returning every step: entry 0 is the start (median,
 * 1.483·MAD), entry i the estimates after update i; the last entry equals `algorithmA(values)`
 * and `trace.length === algorithmA(values).iterations + 1`. For the EQA report and the tests.
 *
 * @example
 * algorithmATrace([1.69, 0.74, 2.05, 1.14, 2.19, 1.39, 1.52, 1.50, 1.58, 0.80, 1.21, 1.63])
 *   .map(s => [s.mean.toFixed(6), s.sd.toFixed(6)])
 * // => [['1.510000','0.355920'], ['1.475000','0.407238'], ['1.460345','0.448558'],
 * //     ['1.452558','0.478637'], ['1.451709','0.492796'], ['1.453333','0.496148'],
 * //     ['1.453333','0.496148']]
 */
export function algorithmATrace(values: readonly number[], options: AlgorithmAOptions = {}): AlgorithmAStep[] {
  const steps: AlgorithmAStep[] = [];
  iterateAlgorithmA(values, options, (iteration, m, s) => steps.push({ iteration, mean: m, sd: s }));
  return steps;
}

function iterateAlgorithmA(
  values: readonly number[],
  options: AlgorithmAOptions,
  onStep?: (iteration: number, mean: number, sd: number) => void,
): AlgorithmAResult {
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 1_000_000;
  assertPositive('options.tolerance', tolerance);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new RangeError(`options.maxIterations must be a positive integer, got ${maxIterations}`);
  }
  assertAllFinite('values', values);
  const n = values.length;
  if (n < 3) {
    throw new Error(`Algorithm A (ISO 13528 C.3.1) needs at least 3 values, got ${n}`);
  }

  const { winsorFactor, sdCorrection } = ALGORITHM_A_CONSTANTS;
  const sorted = [...values].sort((a, b) => a - b);
  let x = medianSorted(sorted);
  let s = madE(sorted);
  if (s === 0) {
    throw new Error(
      'Algorithm A (ISO 13528 C.3.1) cannot start: the median absolute deviation is 0 ' +
        '(more than half of the values are equal); use an explicit fallback',
    );
  }
  onStep?.(0, x, s);

  const inside = new InsideBlock(sorted, x);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const delta = winsorFactor * s;
    const lo = x - delta;
    const hi = x + delta;
    const below = countBelow(sorted, lo);
    const upTo = countAtMost(sorted, hi);
    const above = n - upTo;
    const block = inside.between(below, upTo);
    // The clamped values are `below` copies of lo, the block, and `above` copies of hi: their
    // mean and sum of squares follow from the block's without touching every value again.
    const loShifted = lo - inside.origin;
    const hiShifted = hi - inside.origin;
    const meanShifted = (block.count * block.mean + below * loShifted + above * hiShifted) / n;
    const sumOfSquares =
      block.sumOfSquares +
      block.count * (block.mean - meanShifted) ** 2 +
      below * (loShifted - meanShifted) ** 2 +
      above * (hiShifted - meanShifted) ** 2;
    const nextX = inside.origin + meanShifted;
    const nextS = sdCorrection * Math.sqrt(sumOfSquares / (n - 1));
    const change = Math.max(Math.abs(nextX - x), Math.abs(nextS - s));
    x = nextX;
    s = nextS;
    onStep?.(iteration, x, s);
    if (change <= tolerance * s + 4 * Number.EPSILON * Math.abs(x)) {
      return { mean: x, sd: s, iterations: iteration };
    }
  }
  throw new Error(`Algorithm A (ISO 13528 C.3.1) did not converge within ${maxIterations} iterations`);
}

/** Number of sorted values strictly below `bound`. */
function countBelow(sorted: readonly number[], bound: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of sorted values at most `bound`. */
function countAtMost(sorted: readonly number[], bound: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Mean and centred sum of squares of the values left unclamped, sorted[from..to), measured from
 * `origin` (the median) so that data far from zero keep their precision. The range only changes
 * when a value crosses x* ± 1.5·s*, so it is summed again (two passes, no running sums that
 * could cancel) only then; a slow drift of Algorithm A costs one pass per crossing, not per update.
 */
class InsideBlock {
  private from = -1;
  private to = -1;
  private current = { count: 0, mean: 0, sumOfSquares: 0 };

  constructor(
    private readonly sorted: readonly number[],
    readonly origin: number,
  ) {}

  between(from: number, to: number): { count: number; mean: number; sumOfSquares: number } {
    if (from !== this.from || to !== this.to) {
      this.from = from;
      this.to = to;
      const count = Math.max(0, to - from);
      let sum = 0;
      for (let i = from; i < to; i++) sum += this.sorted[i] - this.origin;
      const mean = count > 0 ? sum / count : 0;
      let sumOfSquares = 0;
      for (let i = from; i < to; i++) sumOfSquares += (this.sorted[i] - this.origin - mean) ** 2;
      this.current = { count, mean, sumOfSquares };
    }
    return this.current;
  }
}

/**
 * Scaled median absolute deviation, MADe = 1.483·median|xᵢ − median(x)|, ISO 13528:2022 C.2.2.
 * Uses simple-statistics `medianAbsoluteDeviation`.
 *
 * Degenerate cases: throws a RangeError for no values or a non-finite value; returns 0 when more
 * than half of the values are equal (a robust SD of 0 cannot serve as σpt: check before dividing).
 *
 * @example madE([1.69, 0.74, 2.05, 1.14, 2.19, 1.39, 1.52, 1.50, 1.58, 0.80, 1.21, 1.63]) // => 0.35592 (1.483 × 0.24)
 */
export function madE(values: readonly number[]): number {
  assertAllFinite('values', values);
  if (values.length === 0) throw new RangeError('madE needs at least 1 value');
  return ALGORITHM_A_CONSTANTS.madScale * medianAbsoluteDeviation(values);
}

/**
 * Normalised interquartile range, nIQR = 0.7413·(Q3 − Q1), ISO 13528:2022 C.2.3.
 *
 * Quantile method: simple-statistics `interquartileRange`, which implements Hyndman & Fan (1996)
 * definition 7 (R `quantile(type = 7)`, numpy's default "linear", Excel `QUARTILE.INC`):
 * Q(p) = x₍ₕ₎ interpolated linearly at h = (n − 1)·p on the sorted values (0-based). Other
 * definitions give slightly different quartiles for small n, so a report should quote this one.
 *
 * Degenerate cases: throws a RangeError for no values or a non-finite value; one value gives 0.
 *
 * @example nIQR([1, 2, 3, 4, 5, 6, 7, 8]) // => 2.59455 (Q1 = 2.75, Q3 = 6.25, 0.7413 × 3.5)
 */
export function nIQR(values: readonly number[]): number {
  assertAllFinite('values', values);
  if (values.length === 0) throw new RangeError('nIQR needs at least 1 value');
  return NIQR_SCALE * interquartileRange(values);
}

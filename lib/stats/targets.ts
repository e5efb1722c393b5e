import { mean, sampleStandardDeviation } from 'simple-statistics';
import { coefficientOfVariationPercent } from './describe';
import { assertAllFinite, assertFinite } from './numeric';

/** Minimum number of in-control results for new QC targets (CLSI C24; WS/T 641-2018). */
export const MIN_BASELINE_POINTS = 20;

/** The smallest SD of a target relative to its mean: a CV of 1e-7 %, ten thousand times below the
 * best CV any analyser reaches (about 0.1 %); a smaller SD is a typing or unit slip. */
export const MIN_SD_PER_MEAN = 1e-9;
/** The smallest positive normal double (2^-1022): a smaller (subnormal) SD has lost its precision,
 * and dividing by it overflows for ordinary deviations. */
const MIN_NORMAL = 2 ** -1022;

/**
 * The smallest SD a Levey-Jennings target may have for its mean: a positive normal number and at
 * least {@link MIN_SD_PER_MEAN} × |mean|. Below it z = (x − mean)/SD overflows or no longer
 * describes a measurement.
 *
 * @example minTargetSd(4) // => 4e-9
 * @example minTargetSd(0) // => 2.2250738585072014e-308 (only the normal-number bound)
 */
export function minTargetSd(mean: number): number {
  return Math.max(MIN_NORMAL, Math.abs(mean) * MIN_SD_PER_MEAN);
}

/**
 * The Levey-Jennings z of a control value against its target, (x − mean)/SD (CLSI C24), or null
 * when it is not a finite number (a value so far from a target with so small an SD that the
 * quotient overflows): such a value cannot be judged by the rules and is refused by the caller.
 *
 * @example controlZ(208, { mean: 200, sd: 4 }) // => 2 (Westgard's cholesterol control 1 at its 2s limit)
 * @example controlZ(5e307, { mean: 4, sd: 0.1 }) // => null (5e308 overflows)
 */
export function controlZ(x: number, target: { mean: number; sd: number }): number | null {
  const z = (x - target.mean) / target.sd;
  return Number.isFinite(z) ? z : null;
}

/** Levey-Jennings targets of a control material. */
export interface Targets {
  mean: number;
  /** Sample SD (n − 1). */
  sd: number;
  n: number;
}

/**
 * Provisional Levey-Jennings targets from a baseline of in-control results: mean and **sample**
 * SD (n − 1), CLSI C24 (4th ed.) and WS/T 641-2018 ("at least 20 results on at least 20 days").
 * The caller is responsible for the "20 days" part and for leaving rejected points out.
 *
 * Throws a RangeError for fewer than 20 values (too few to estimate an SD that limits will rest
 * on), a non-finite value, or an SD of 0 or below {@link minTargetSd} (z-values would be undefined).
 *
 * @example
 * targetsFromBaseline([198, 202, 200, 196, 204, 199, 201, 203, 197, 200,
 *                      206, 194, 200, 202, 198, 205, 195, 200, 201, 199])
 * // => { mean: 200, sd: 3.1788…, n: 20 }
 */
export function targetsFromBaseline(values: readonly number[]): Targets {
  assertAllFinite('values', values);
  const n = values.length;
  if (n < MIN_BASELINE_POINTS) {
    throw new RangeError(`targets need at least ${MIN_BASELINE_POINTS} in-control results (CLSI C24), got ${n}`);
  }
  const sd = sampleStandardDeviation(values);
  const m = mean(values);
  // values equal but for their last digits give an SD of 1e-16 × mean: as good as 0
  if (!(sd >= minTargetSd(m))) throw new RangeError('targets cannot be set: all baseline values are equal (SD 0)');
  return { mean: m, sd, n };
}

/** Days of a new lot's own results whose mean is its provisional target (WS/T 641-2018; DOMAIN.md §4). */
export const NEW_LOT_DAYS = 10;

/** A control result of a new lot with its calendar day ('YYYY-MM-DD', the lab's time zone). */
export interface DatedValue {
  day: string;
  value: number;
}

/** Provisional targets of a new lot: {@link Targets} with the days the mean rests on. */
export interface NewLotTargets extends Targets {
  /** distinct days whose results gave the mean */
  days: number;
  /** the last of those days */
  lastDay: string;
}

/**
 * Provisional targets of a **new lot of a control material the lab already runs** (WS/T 641-2018;
 * CLSI C24; DOMAIN.md §4 "New lot of a known material: mean from 10 days, SD carried over"): the
 * mean of the new lot's in-control results on its first `days` distinct days (every result of those
 * days, none after), with the SD of the previous lot's targets carried over, since the method's
 * imprecision does not change with the lot while the material's level does. The usual ≥ 20-point
 * targets ({@link targetsFromBaseline}) replace them once the new lot has its own baseline.
 * The caller leaves rejected and excluded results out and gives the days in the lab's time zone.
 *
 * Throws a RangeError when the results span fewer than `days` days, a value is not finite, or the
 * carried SD is not a positive finite number.
 *
 * @example
 * // one result a day on 2026-03-01…10: 4.02 3.98 4.05 3.95 4.00 4.01 3.99 4.03 3.97 4.00
 * newLotTargets(tenDays, 0.05) // => { mean: 4, sd: 0.05, n: 10, days: 10, lastDay: '2026-03-10' }
 */
export function newLotTargets(points: readonly DatedValue[], carriedSd: number, days: number = NEW_LOT_DAYS): NewLotTargets {
  assertFinite('carriedSd', carriedSd);
  if (!(carriedSd > 0)) throw new RangeError(`the carried-over SD must be greater than 0, got ${carriedSd}`);
  assertAllFinite('values', points.map((p) => p.value));
  const distinct = [...new Set(points.map((p) => p.day))].sort();
  if (distinct.length < days) {
    throw new RangeError(`a new lot's provisional mean needs results on ${days} days, got ${distinct.length}`);
  }
  const lastDay = distinct[days - 1];
  const values = points.filter((p) => p.day <= lastDay).map((p) => p.value);
  return { mean: mean(values), sd: carriedSd, n: values.length, days, lastDay };
}

/** Serialisable state of a {@link CumulativeStats} accumulator (m2 = Σ(x − mean)²). */
export interface CumulativeState {
  n: number;
  mean: number;
  m2: number;
}

/**
 * Running mean, sample SD and CV updated one value at a time, for monthly and cumulative QC
 * summaries without re-reading history. Welford's algorithm (Welford BP. Note on a method for
 * calculating corrected sums of squares and products. Technometrics 1962;4:419–420; Knuth, TAOCP
 * vol. 2, 3rd ed., §4.2.2): numerically stable, unlike Σx² − (Σx)²/n. `merge` combines two
 * accumulators (Chan TF, Golub GH, LeVeque RJ. Updating formulae and a pairwise algorithm for
 * computing sample variances. Stanford STAN-CS-79-773, 1979), e.g. monthly into cumulative.
 *
 * Degenerate cases: mean is NaN for n = 0; sd, variance and cv are NaN for n < 2; cv is NaN when
 * the mean is 0. `add` and `merge` mutate the accumulator and return it.
 */
export class CumulativeStats {
  private count = 0;
  private runningMean = 0;
  private m2 = 0;

  constructor(state?: CumulativeState) {
    if (state !== undefined) {
      if (!Number.isInteger(state.n) || state.n < 0) throw new RangeError(`state.n must be a non-negative integer, got ${state.n}`);
      assertFinite('state.mean', state.mean);
      assertFinite('state.m2', state.m2);
      if (state.m2 < 0) throw new RangeError(`state.m2 must not be negative, got ${state.m2}`);
      this.count = state.n;
      this.runningMean = state.n === 0 ? 0 : state.mean;
      this.m2 = state.n === 0 ? 0 : state.m2;
    }
  }

  /** Adds one value (Welford's update). */
  add(x: number): this {
    assertFinite('x', x);
    this.count++;
    const delta = x - this.runningMean;
    this.runningMean += delta / this.count;
    this.m2 += delta * (x - this.runningMean);
    return this;
  }

  /** Adds every value of an iterable, in order. */
  addAll(values: Iterable<number>): this {
    for (const x of values) this.add(x);
    return this;
  }

  /** Merges another accumulator (or its state) into this one (Chan, Golub & LeVeque 1979). */
  merge(other: CumulativeStats | CumulativeState): this {
    const o = other instanceof CumulativeStats ? other.toJSON() : new CumulativeStats(other).toJSON();
    if (o.n === 0) return this;
    if (this.count === 0) {
      this.count = o.n;
      this.runningMean = o.mean;
      this.m2 = o.m2;
      return this;
    }
    const n = this.count + o.n;
    const delta = o.mean - this.runningMean;
    this.runningMean += (delta * o.n) / n;
    this.m2 += o.m2 + (delta * delta * this.count * o.n) / n;
    this.count = n;
    return this;
  }

  /** Number of values added. */
  get n(): number {
    return this.count;
  }

  /** Mean; NaN for n = 0. */
  get mean(): number {
    return this.count === 0 ? NaN : this.runningMean;
  }

  /** Sample variance (n − 1); NaN for n < 2. */
  get variance(): number {
    return this.count < 2 ? NaN : this.m2 / (this.count - 1);
  }

  /** Sample SD (n − 1); NaN for n < 2. */
  get sd(): number {
    return Math.sqrt(this.variance);
  }

  /** CV in percent, 100·sd/|mean|; NaN for n < 2 or mean 0. */
  get cv(): number {
    return coefficientOfVariationPercent(this.sd, this.mean);
  }

  /** State for storage; `new CumulativeStats(state)` or `cumulativeStats(state)` restores it. */
  toJSON(): CumulativeState {
    return { n: this.count, mean: this.count === 0 ? 0 : this.runningMean, m2: this.m2 };
  }
}

/**
 * Creates a {@link CumulativeStats} accumulator, empty or restored from a stored state.
 *
 * @example
 * const acc = cumulativeStats();
 * [2, 4, 4, 4, 5, 5, 7, 9].forEach((x) => acc.add(x));
 * acc.n; acc.mean; acc.sd // => 8, 5, 2.138089935299395
 */
export function cumulativeStats(state?: CumulativeState): CumulativeStats {
  return new CumulativeStats(state);
}

/** A control result with the target mean in force when it was measured. */
export interface ResultAgainstTarget {
  value: number;
  targetMean: number;
}

/**
 * IQC bias % of a period: the mean of each result's relative deviation from the target in force for
 * it, 100·(x − target)/target. With one target for the whole period this is exactly
 * 100·(x̄ − target)/target (CLSI C24's bias against the assigned mean); when the target changes
 * mid-period (a new version, a new lot's value), each result is compared with its own target, never
 * with the period's last one. Results with a zero target have no relative deviation and are left out.
 *
 * Returns null when no result has a target. Throws a RangeError for a non-finite value or target.
 *
 * @example iqcBiasPercent([{ value: 4.2, targetMean: 4 }, { value: 4.4, targetMean: 4 }]) // => 7.5
 * @example iqcBiasPercent([{ value: 4.4, targetMean: 4 }, { value: 4.6, targetMean: 5 }]) // => 1 (10 and −8)
 */
export function iqcBiasPercent(results: readonly ResultAgainstTarget[]): number | null {
  let n = 0;
  let sum = 0;
  for (const r of results) {
    assertFinite('value', r.value);
    assertFinite('targetMean', r.targetMean);
    if (r.targetMean === 0) continue;
    sum += ((r.value - r.targetMean) / r.targetMean) * 100;
    n++;
  }
  return n === 0 ? null : sum / n;
}

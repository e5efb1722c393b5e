import { max, mean, median, min, sampleStandardDeviation } from 'simple-statistics';
import { assertAllFinite } from './numeric';

/** Summary of a set of results, as shown on a Levey-Jennings chart or a monthly QC report. */
export interface Description {
  /** Number of values. */
  n: number;
  /** Arithmetic mean; NaN when n = 0. */
  mean: number;
  /** Sample standard deviation (divisor n − 1); NaN when n < 2. */
  sd: number;
  /** Coefficient of variation in percent, 100·sd/|mean|; NaN when n < 2 or mean = 0. */
  cv: number;
  /** Median (average of the two middle values when n is even); NaN when n = 0. */
  median: number;
  /** Smallest value; NaN when n = 0. */
  min: number;
  /** Largest value; NaN when n = 0. */
  max: number;
}

/**
 * Describes a sample: n, mean, **sample** SD (n − 1), CV %, median, min and max.
 *
 * Source: the usual definitions (e.g. CLSI C24, 4th ed., and WS/T 641-2018 use the sample SD
 * for QC limits). Computed with simple-statistics: `mean` (compensated summation),
 * `sampleStandardDeviation` (Bessel's n − 1; note that simple-statistics' `standardDeviation`
 * is the *population* SD and is deliberately not used), `median`, `min`, `max`.
 *
 * Degenerate cases, decided once:
 * - n = 0: returns `{ n: 0 }` with every statistic NaN (an empty month is "no data", not an error);
 * - n = 1: mean, median, min and max are the value; sd and cv are NaN (one value has no spread);
 * - mean = 0: cv is NaN (a CV relative to zero is undefined);
 * - a non-finite value (NaN, ±Infinity) throws a RangeError: it is a data error upstream.
 *
 * The CV is taken relative to |mean| so that it is never negative.
 *
 * @example
 * describe([2, 4, 4, 4, 5, 5, 7, 9])
 * // => { n: 8, mean: 5, sd: 2.138089935299395, cv: 42.76179870598791, median: 4.5, min: 2, max: 9 }
 */
export function describe(values: readonly number[]): Description {
  assertAllFinite('values', values);
  const n = values.length;
  if (n === 0) {
    return { n: 0, mean: NaN, sd: NaN, cv: NaN, median: NaN, min: NaN, max: NaN };
  }
  const m = mean(values);
  const sd = n >= 2 ? sampleStandardDeviation(values) : NaN;
  return {
    n,
    mean: m,
    sd,
    cv: coefficientOfVariationPercent(sd, m),
    median: median(values),
    min: min(values),
    max: max(values),
  };
}

/**
 * Coefficient of variation in percent, 100·sd/|mean| (the usual definition, e.g. CLSI EP05 and
 * WS/T 641-2018 report CV in percent). NaN when sd is NaN or mean is 0.
 *
 * @example coefficientOfVariationPercent(4, 200) // => 2
 */
export function coefficientOfVariationPercent(sd: number, meanValue: number): number {
  if (Number.isNaN(sd) || meanValue === 0) return NaN;
  return (100 * sd) / Math.abs(meanValue);
}

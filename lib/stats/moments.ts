// Count, mean and sum of squared deviations ("moments") of a set of values, kept per part (a day,
// a control lot) and combined exactly into the moments of the union: what the daily IQC aggregates
// store so that a window's n, mean, SD and CV never need the raw values again.

/** n values, their mean and the sum of squared deviations from that mean, Σ(x − mean)². For n = 0
 * the mean and sum are NaN and 0. */
export interface Moments {
  n: number;
  mean: number;
  sumSqDev: number;
}

export const EMPTY_MOMENTS: Moments = Object.freeze({ n: 0, mean: NaN, sumSqDev: 0 });

/**
 * Moments of `values`, two-pass (mean first, then the squared deviations from it: no cancellation).
 *
 * @example momentsOf([2, 4, 6]) // => { n: 3, mean: 4, sumSqDev: 8 }
 */
export function momentsOf(values: readonly number[]): Moments {
  const n = values.length;
  if (!n) return { ...EMPTY_MOMENTS };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { n, mean, sumSqDev: ss };
}

/**
 * Moments of the union of two disjoint sets of values from the moments of each: the pairwise update
 * of Chan, Golub & LeVeque, "Updating formulae and a pairwise algorithm for computing sample
 * variances" (Stanford CS tech. report STAN-CS-79-773, 1979), eq. 2.1:
 * n = nA + nB, δ = meanB − meanA, mean = meanA + δ·nB/n, M2 = M2A + M2B + δ²·nA·nB/n.
 * Parts with n = 0 are skipped.
 *
 * @example combineMoments(momentsOf([2, 4]), momentsOf([6])) // => { n: 3, mean: 4, sumSqDev: 8 }
 */
export function combineMoments(a: Moments, b: Moments): Moments {
  if (!b.n) return a;
  if (!a.n) return b;
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, sumSqDev: a.sumSqDev + b.sumSqDev + (delta * delta * a.n * b.n) / n };
}

/**
 * n, mean, sample SD (n − 1) and CV in percent of moments, with {@link describe}'s degenerate cases:
 * n = 0 gives NaN mean, SD and CV; n = 1 gives NaN SD and CV; a zero mean gives NaN CV.
 *
 * @example describeMoments({ n: 3, mean: 4, sumSqDev: 8 }) // => { n: 3, mean: 4, sd: 2, cv: 50 }
 */
export function describeMoments(m: Moments): { n: number; mean: number; sd: number; cv: number } {
  const sd = m.n >= 2 ? Math.sqrt(Math.max(0, m.sumSqDev) / (m.n - 1)) : NaN;
  const cv = Number.isNaN(sd) || m.mean === 0 ? NaN : (100 * sd) / Math.abs(m.mean);
  return { n: m.n, mean: m.n ? m.mean : NaN, sd, cv };
}

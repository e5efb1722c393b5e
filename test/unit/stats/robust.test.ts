import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { algorithmA, algorithmATrace, madE, nIQR, uncertaintyOfAssignedValue } from '../../../lib/stats';

/** One update of ISO 13528 C.3.1 written out as the standard says it, value by value. */
function isoUpdate(values: readonly number[], x: number, s: number) {
  const clamped = values.map((v) => Math.min(Math.max(v, x - 1.5 * s), x + 1.5 * s));
  return { mean: mean(clamped), sd: 1.134 * sampleStandardDeviation(clamped) };
}

/** ISO 13528:2015 E.3 data, as quoted in DOMAIN.md §3. */
const ISO_E3 = [1.69, 0.74, 2.05, 1.14, 2.19, 1.39, 1.52, 1.5, 1.58, 0.8, 1.21, 1.63];

describe('algorithmA — ISO 13528 C.3.1 on the ISO 13528:2015 E.3 worked example (DOMAIN.md §3)', () => {
  const trace = algorithmATrace(ISO_E3);

  it.each([
    // [step, x*, s*]: the iteration list of DOMAIN.md §3, to 6 decimals
    [0, '1.510000', '0.355920'], // start: median 1.51 and 1.483 × MAD (MAD = 0.24, by hand)
    [1, '1.475000', '0.407238'], // by hand: δ = 0.53388, 0.74, 0.80 → 0.97612 and 2.05, 2.19 → 2.04388; mean 17.7/12
    [2, '1.460345', '0.448558'],
    [3, '1.452558', '0.478637'],
    [4, '1.451709', '0.492796'],
    [5, '1.453333', '0.496148'], // fixed point reached: nothing is clamped any more
    [6, '1.453333', '0.496148'], // confirming update: no change → converged ("fixed point" in DOMAIN.md)
  ])('step %i: x* = %s, s* = %s', (step, x, s) => {
    expect(trace[step].iteration).toBe(step);
    expect(trace[step].mean.toFixed(6)).toBe(x);
    expect(trace[step].sd.toFixed(6)).toBe(s);
  });

  it('has exactly those 7 entries and algorithmA returns the last one with iterations = 6', () => {
    expect(trace).toHaveLength(7);
    const result = algorithmA(ISO_E3);
    expect(result).toEqual({ mean: trace[6].mean, sd: trace[6].sd, iterations: 6 });
  });

  it('converges to the unclamped mean 17.44/12 and 1.134 × sample SD (hand: no value lies outside x* ± 1.5·s*)', () => {
    const n = ISO_E3.length;
    const m = ISO_E3.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(ISO_E3.reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
    const result = algorithmA(ISO_E3);
    expect(result.mean).toBeCloseTo(17.44 / 12, 12);
    expect(result.sd).toBeCloseTo(1.134 * sd, 12);
    for (const v of ISO_E3) expect(Math.abs(v - result.mean)).toBeLessThan(1.5 * result.sd);
  });

  it('gives u(x_pt) = 1.25·s*/√12 = 0.179032 > 0.3·s* = 0.148844, so z′ applies (DOMAIN.md §3)', () => {
    const { sd } = algorithmA(ISO_E3);
    const u = uncertaintyOfAssignedValue(sd, ISO_E3.length);
    expect(u.toFixed(6)).toBe('0.179032');
    expect((0.3 * sd).toFixed(6)).toBe('0.148844');
  });
});

describe('algorithmA — options and convergence', () => {
  it('a looser tolerance stops earlier than the default 1e-9·s*', () => {
    const loose = algorithmA(ISO_E3, { tolerance: 0.05 });
    expect(loose.iterations).toBeLessThan(algorithmA(ISO_E3).iterations);
  });

  it('maxIterations too small to converge throws a clear Error (never a silent half-converged value)', () => {
    expect(() => algorithmA(ISO_E3, { maxIterations: 3 })).toThrow(/did not converge within 3 iterations/);
  });

  it.each([
    ['tolerance 0', { tolerance: 0 }],
    ['negative tolerance', { tolerance: -1 }],
    ['maxIterations 0', { maxIterations: 0 }],
    ['fractional maxIterations', { maxIterations: 2.5 }],
  ])('rejects invalid options: %s', (_title, options) => {
    expect(() => algorithmA(ISO_E3, options)).toThrow(RangeError);
  });

  it('converges on data far from zero relative to their spread (1e6 + small noise) without looping', () => {
    const small = [0.11, 0.13, 0.1, 0.12, 0.09, 0.14, 0.5].map((v) => v * 1e-3);
    const reference = algorithmA(small);
    const result = algorithmA(small.map((v) => 1e6 + v));
    expect(result.iterations).toBeLessThan(1000);
    // same answer as without the offset, up to the resolution of doubles near 1e6 (~1e-10)
    expect(Math.abs(result.mean - (1e6 + reference.mean))).toBeLessThan(1e-8);
    expect(Math.abs(result.sd - reference.sd)).toBeLessThan(1e-8);
  });
});

describe('algorithmA — slow convergence (most values at the median, a few far off)', () => {
  // The clean-clone CI's counterexample: five 0s, ±0.01 and outliers at 7.77, 7.77 and −5.66. By
  // hand: median 0, |x| sorted 0,0,0,0,0,0.01,0.01,5.66,7.77,7.77 → MAD 0.005, s* = 0.007415; the
  // three outliers are clamped and s* grows by under 1 % per update for hundreds of updates.
  const CI_CASE = [0, 0, 0, 7.77, -5.66, 0, 0, 7.77, 0.01, -0.01];
  const LONGEST_FOUND = [3.65, 0, 0, 4.54, 0, -0.01, 0, 0, 0.01, 0, 0.01, 0, 2.31, 6.67, -0.01, 0.01, 0.01, 0, 0, 0, -0.01, 0, -0.01, 0.01, 5.44, 3.45, 9.83, 0];

  it.each([
    ['the CI case', CI_CASE, 1001],
    ['28 values found by a search for long runs', LONGEST_FOUND, 13_751],
  ])('%s converges (where 1,000 updates were allowed before) to a fixed point of the ISO update', (_title, values, updates) => {
    const trace = algorithmATrace(values);
    expect(trace[0]).toEqual({ iteration: 0, mean: 0, sd: madE(values) });
    const result = algorithmA(values);
    expect(result.iterations).toBe(updates);
    expect(trace).toHaveLength(updates + 1);
    const next = isoUpdate(values, result.mean, result.sd);
    expect(Math.abs(next.mean - result.mean)).toBeLessThanOrEqual(1e-9 * result.sd);
    expect(Math.abs(next.sd - result.sd)).toBeLessThanOrEqual(1e-9 * result.sd);
  });

  it('the CI case lands where the robust estimate belongs: 7.77 just outside x* + 1.5·s*, −5.66 inside', () => {
    expect(algorithmATrace(CI_CASE)[0].sd).toBeCloseTo(0.007415, 12);
    const { mean: x, sd: s } = algorithmA(CI_CASE);
    expect(x.toFixed(4)).toBe('0.9865');
    expect(s.toFixed(4)).toBe('4.5173');
    expect(7.77).toBeGreaterThan(x + 1.5 * s);
    expect(-5.66).toBeGreaterThan(x - 1.5 * s);
    // at the fixed point, by hand: x* = (−5.66 + 0.01 − 0.01 + 2·(x* + 1.5 s*)) / 10 → 8 x* = −5.66 + 3 s*
    expect(8 * x).toBeCloseTo(-5.66 + 3 * s, 6);
  });

  it('every update of the trace is the ISO update of the one before, value by value', () => {
    const trace = algorithmATrace(CI_CASE);
    for (let i = 1; i < trace.length; i++) {
      const next = isoUpdate(CI_CASE, trace[i - 1].mean, trace[i - 1].sd);
      expect(Math.abs(next.mean - trace[i].mean)).toBeLessThanOrEqual(1e-12 * trace[i].sd);
      expect(Math.abs(next.sd - trace[i].sd)).toBeLessThanOrEqual(1e-12 * trace[i].sd);
    }
  });
});

describe('algorithmA — degenerate cases', () => {
  it.each([
    ['no values', []],
    ['1 value', [1]],
    ['2 values', [1, 2]],
  ])('%s: throws "needs at least 3 values"', (_title, values) => {
    expect(() => algorithmA(values)).toThrow(/at least 3 values/);
  });

  it.each([
    // hand: median 5, |x − 5| = 0, 0, 0, 4, 4 → MAD 0
    ['3 of 5 values equal', [5, 5, 5, 1, 9]],
    // hand: median 1, |x − 1| = 0, 0, 1 → MAD 0
    ['2 of 3 values equal', [1, 1, 2]],
    ['all values equal', [3.2, 3.2, 3.2, 3.2]],
  ])('%s: initial MAD is 0, throws (no silent answer)', (_title, values) => {
    expect(() => algorithmA(values)).toThrow(/median absolute deviation is 0/);
  });

  it('exactly half the values equal still works (hand: median 1.5, MAD 0.5)', () => {
    expect(algorithmATrace([1, 1, 1, 2, 3, 4])[0]).toEqual({ iteration: 0, mean: 1.5, sd: 1.483 * 0.5 });
  });

  it('a non-finite value throws a RangeError', () => {
    expect(() => algorithmA([1, 2, NaN, 4])).toThrow(RangeError);
  });
});

describe('algorithmA — properties', () => {
  /**
   * Lab-like data: 3–40 values with two decimals, spread not degenerate; half of the cases have
   * most values at or next to one value and a few far off (laboratories reporting to one decimal
   * agree exactly), where Algorithm A converges slowly.
   */
  const spread = fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 3, maxLength: 40 });
  const clustered = fc.array(
    fc.oneof(
      { arbitrary: fc.constant(0), weight: 5 },
      { arbitrary: fc.constantFrom(-1, 1), weight: 2 },
      { arbitrary: fc.integer({ min: -1_000, max: 1_000 }), weight: 2 },
    ),
    { minLength: 3, maxLength: 40 },
  );
  const labData = fc
    .oneof(spread, clustered)
    .map((ints) => ints.map((v) => v / 100))
    .filter((xs) => madE(xs) > 0);

  it('the result is a fixed point of the ISO update, however long the way there', () => {
    fc.assert(
      fc.property(labData, (xs) => {
        const r = algorithmA(xs);
        const next = isoUpdate(xs, r.mean, r.sd);
        expect(Math.abs(next.mean - r.mean)).toBeLessThanOrEqual(1e-9 * r.sd + 1e-12);
        expect(Math.abs(next.sd - r.sd)).toBeLessThanOrEqual(1e-9 * r.sd);
      }),
      { numRuns: 2_000 },
    );
  });

  it('shift and scale equivariance: algorithmA(a·x + b) = a·algorithmA(x) + b for a > 0', () => {
    fc.assert(
      fc.property(
        labData,
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        (xs, a, b) => {
          const r = algorithmA(xs);
          const t = algorithmA(xs.map((v) => a * v + b));
          const scale = a * r.sd;
          expect(Math.abs(t.mean - (a * r.mean + b))).toBeLessThanOrEqual(1e-6 * scale + 1e-9 * (Math.abs(b) + Math.abs(a * r.mean)));
          expect(Math.abs(t.sd - a * r.sd)).toBeLessThanOrEqual(1e-6 * scale);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('permutation invariance: the same values in any order give bit-identical results', () => {
    fc.assert(
      fc.property(
        labData.chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))),
        ([xs, shuffled]) => {
          expect(algorithmA(shuffled)).toEqual(algorithmA(xs));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the trace starts at (median, MADe) and ends at the returned estimates', () => {
    fc.assert(
      fc.property(labData, (xs) => {
        const trace = algorithmATrace(xs);
        const sorted = [...xs].sort((p, q) => p - q);
        const n = sorted.length;
        const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        expect(trace[0].mean).toBeCloseTo(median, 12);
        expect(trace[0].sd).toBe(madE(xs));
        const r = algorithmA(xs);
        expect(trace).toHaveLength(r.iterations + 1);
        expect(trace[trace.length - 1]).toEqual({ iteration: r.iterations, mean: r.mean, sd: r.sd });
      }),
    );
  });

  it('robustness: one gross outlier (10³ to 10⁶ away) moves x* by less than 3·s*: it is clamped, not averaged in', () => {
    fc.assert(
      fc.property(labData, fc.double({ min: 1e3, max: 1e6, noNaN: true }), (xs, outlier) => {
        const base = algorithmA(xs);
        const withOutlier = algorithmA([...xs, base.mean + outlier]);
        // The outlier is clamped to x* + 1.5·s*, so it cannot drag the mean arbitrarily far:
        expect(Math.abs(withOutlier.mean - base.mean)).toBeLessThan(3 * Math.max(base.sd, withOutlier.sd));
      }),
    );
  });
});

describe('madE — ISO 13528 C.2.2: 1.483 × median absolute deviation', () => {
  it.each([
    // [title, values, expected]
    ['ISO 13528 E.3 data: MAD 0.24 by hand → 0.35592', ISO_E3, 0.35592],
    ['[1, 2, 3, 4, 100]: median 3, |x − 3| = 2, 1, 0, 1, 97 → MAD 1 → 1.483', [1, 2, 3, 4, 100], 1.483],
    ['one value → 0', [4], 0],
    ['more than half equal → 0 (degenerate: cannot serve as σpt)', [5, 5, 5, 1, 9], 0],
  ])('%s', (_title, values, expected) => {
    expect(madE(values)).toBeCloseTo(expected, 12);
  });

  it('no values throws', () => {
    expect(() => madE([])).toThrow(RangeError);
  });
});

describe('nIQR — ISO 13528 C.2.3: 0.7413 × (Q3 − Q1), quartiles by Hyndman & Fan type 7 (R default)', () => {
  it.each([
    // R: quantile(1:8, c(.25, .75), type = 7) = 2.75, 6.25 → IQR 3.5
    ['1..8: Q1 2.75, Q3 6.25 → 0.7413 × 3.5', [1, 2, 3, 4, 5, 6, 7, 8], 0.7413 * 3.5],
    // hand, type 7 on sorted E.3 data: h = 11·0.25 = 2.75 → 1.14 + 0.75·0.07 = 1.1925;
    // h = 11·0.75 = 8.25 → 1.63 + 0.25·0.06 = 1.645; IQR 0.4525
    ['ISO 13528 E.3 data: Q1 1.1925, Q3 1.645 → 0.7413 × 0.4525', ISO_E3, 0.7413 * 0.4525],
    ['one value → 0', [4], 0],
  ])('%s', (_title, values, expected) => {
    expect(nIQR(values)).toBeCloseTo(expected, 12);
  });

  it('no values throws', () => {
    expect(() => nIQR([])).toThrow(RangeError);
  });

  it('property: madE and nIQR scale with a > 0 and ignore shifts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -10_000, max: 10_000 }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (ints, a, b) => {
          const xs = ints.map((v) => v / 100);
          const ys = xs.map((v) => a * v + b);
          const tol = 1e-9 * (a * 200 + Math.abs(b) + 1);
          expect(Math.abs(madE(ys) - a * madE(xs))).toBeLessThanOrEqual(tol);
          expect(Math.abs(nIQR(ys) - a * nIQR(xs))).toBeLessThanOrEqual(tol);
        },
      ),
    );
  });
});

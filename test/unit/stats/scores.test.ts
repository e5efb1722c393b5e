import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifyEn,
  classifyZ,
  enNumber,
  zBin,
  isUncertaintyNegligible,
  uncertaintyOfAssignedValue,
  zetaScore,
  zPrimeScore,
  zScore,
} from '../../../lib/stats';

describe('zScore — ISO 13528 9.4: (x − x_pt)/σpt', () => {
  it.each([
    // [x, assigned, σpt, expected] — Westgard's cholesterol example (DOMAIN.md §4): control 1 mean 200 SD 4,
    // control 2 mean 250 SD 5; the 2s and 3s limits 192–208, 188–212, 240–260, 235–265 are exactly ±2 and ±3
    [208, 200, 4, 2],
    [192, 200, 4, -2],
    [212, 200, 4, 3],
    [188, 200, 4, -3],
    [260, 250, 5, 2],
    [235, 250, 5, -3],
    // ISO 13528 E.3: x = 1.80 against x* = 1.453333, s* = 0.496148 → 0.346667/0.496148 = 0.698717 (hand)
    [1.8, 1.453333, 0.496148, 0.698717],
  ])('zScore(%f, %f, %f) = %f', (x, assigned, sigma, expected) => {
    expect(zScore(x, assigned, sigma)).toBeCloseTo(expected, 6);
  });

  it.each([[0], [-1], [NaN], [Infinity]])('σpt = %f throws a RangeError', (sigma) => {
    expect(() => zScore(1, 1, sigma)).toThrow(RangeError);
  });
});

describe('zPrimeScore — ISO 13528 9.5: (x − x_pt)/√(σpt² + u²(x_pt))', () => {
  it.each([
    // hand: 3-4-5 triangle, √(0.3² + 0.4²) = 0.5
    [2.5, 1.5, 0.3, 0.4, 2],
    // u = 0 reduces to z
    [208, 200, 4, 0, 2],
    // ISO 13528 E.3: x = 2.19, x* = 1.453333, s* = 0.496148, u = 0.179032:
    // √(0.246163 + 0.032052) = 0.527461 → 0.736667/0.527461 = 1.396628 (hand)
    [2.19, 1.453333, 0.496148, 0.179032, 1.396628],
  ])('zPrimeScore(%f, %f, %f, %f) = %f', (x, assigned, sigma, u, expected) => {
    expect(zPrimeScore(x, assigned, sigma, u)).toBeCloseTo(expected, 5);
  });

  it.each([
    ['σpt 0', 1, 0, 0.1],
    ['negative u', 1, 1, -0.1],
  ])('%s throws a RangeError', (_title, x, sigma, u) => {
    expect(() => zPrimeScore(x, 0, sigma, u)).toThrow(RangeError);
  });
});

describe('zetaScore — ISO 13528 9.6 and enNumber — ISO 13528 9.7', () => {
  it.each([
    // hand: √(0.3² + 0.4²) = 0.5
    ['ζ(10.5; 10, u 0.3, 0.4) = 1', zetaScore(10.5, 10, 0.3, 0.4), 1],
    ['ζ(9; 10, u 0.6, 0.8) = −1', zetaScore(9, 10, 0.6, 0.8), -1],
    ['En(10.5; 10, U 0.3, 0.4) = 1', enNumber(10.5, 10, 0.3, 0.4), 1],
    ['En(11.5; 10, U 0.9, 1.2) = 1 (√(0.81 + 1.44) = 1.5)', enNumber(11.5, 10, 0.9, 1.2), 1],
    ['En with U(x_pt) = 0 divides by U(x) only', enNumber(12, 10, 1, 0), 2],
  ])('%s', (_title, actual, expected) => {
    expect(actual).toBeCloseTo(expected, 12);
  });

  it.each([
    ['ζ with both uncertainties 0', () => zetaScore(1, 0, 0, 0)],
    ['En with both uncertainties 0', () => enNumber(1, 0, 0, 0)],
    ['ζ with a negative uncertainty', () => zetaScore(1, 0, -1, 1)],
    ['En with a negative uncertainty', () => enNumber(1, 0, 1, -1)],
  ])('%s throws a RangeError', (_title, call) => {
    expect(call).toThrow(RangeError);
  });
});

describe('classifyZ — ISO 13528 9.4.1: |z| ≤ 2 satisfactory, 2 < |z| < 3 questionable, |z| ≥ 3 unsatisfactory', () => {
  it.each([
    [0, 'satisfactory'],
    [1.99, 'satisfactory'],
    [2, 'satisfactory'], // exactly at 2: satisfactory (≤)
    [-2, 'satisfactory'],
    [2.0000000000000004, 'satisfactory'], // 2 + 1 ulp: float noise counts as 2
    [zScore(3.7, 3.5, 0.1), 'satisfactory'], // = 2.0000000000000018 in binary, exactly 2 in decimal
    [zScore(3.3, 3.5, 0.1), 'satisfactory'], // = −2.0000000000000018, exactly −2 in decimal
    [2.000001, 'questionable'], // beyond 2 by more than the 1e-9 rounding
    [2.5, 'questionable'],
    [-2.9, 'questionable'],
    [2.999999, 'questionable'],
    [zScore(3.8, 3.5, 0.1), 'unsatisfactory'], // = 2.9999999999999982 in binary, exactly 3 in decimal
    [3, 'unsatisfactory'], // exactly at 3: unsatisfactory (≥)
    [-3, 'unsatisfactory'],
    [10, 'unsatisfactory'],
    [-Infinity, 'unsatisfactory'],
  ])('z = %s → %s', (z, expected) => {
    expect(classifyZ(z)).toBe(expected);
  });

  it('NaN throws (a score that could not be computed is not satisfactory)', () => {
    expect(() => classifyZ(NaN)).toThrow(RangeError);
  });
});

describe('zBin — the z distribution bars, whose edges are the classes\' edges', () => {
  it.each([
    [0, 0],
    [0.999, 0],
    [1, 1],
    [2, 1], // satisfactory, so in 1…2, not the amber 2…3
    [zScore(3.7, 3.5, 0.1), 1], // 2.0000000000000018
    [2.000001, 2],
    [2.999999, 2],
    [zScore(3.8, 3.5, 0.1), 3], // 2.9999999999999982 is 3: unsatisfactory, red
    [3, 3],
    [3.5, 3],
    [4, 4],
    [1e6, 4],
    [Infinity, 4],
    [-0.5, -1],
    [-1, -1],
    [-1.5, -2],
    [-2, -2], // satisfactory
    [zScore(3.3, 3.5, 0.1), -2], // −2.0000000000000018
    [-2.5, -3],
    [-3, -4], // unsatisfactory: ≤ −3
    [-10, -4],
    [-Infinity, -4],
  ])('z = %s → bin %s', (z, bin) => {
    expect(zBin(z)).toBe(bin);
  });

  it('every z falls in a bar of its own class (property)', () => {
    const classOfBin = (b: number) => (b >= -2 && b <= 1 ? 'satisfactory' : b === -3 || b === 2 ? 'questionable' : 'unsatisfactory');
    const nearEdges = fc.tuple(fc.constantFrom(-4, -3, -2, -1, 0, 1, 2, 3, 4), fc.integer({ min: -20, max: 20 })).map(([e, k]) => e + k * 1e-10);
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), nearEdges), (z) => {
        const bin = zBin(z);
        expect(classOfBin(bin)).toBe(classifyZ(z));
        // away from an edge, the bar of width 1 that holds z (≤ −3 and ≥ 4 open-ended)
        const naive = z >= 4 ? 4 : z >= 3 ? 3 : z > 2 ? 2 : z >= 1 ? 1 : z >= 0 ? 0 : z >= -1 ? -1 : z >= -2 ? -2 : z > -3 ? -3 : -4;
        if (Math.abs(z - Math.round(z)) > 1e-8) expect(bin).toBe(naive);
      }),
    );
  });

  it('NaN throws', () => {
    expect(() => zBin(NaN)).toThrow(RangeError);
  });
});

describe('classifyEn — ISO 13528 9.7: |En| ≤ 1 satisfactory, > 1 unsatisfactory', () => {
  it.each([
    [0, 'satisfactory'],
    [1, 'satisfactory'], // exactly 1: satisfactory
    [-1, 'satisfactory'],
    [1.0000000000000002, 'satisfactory'], // 1 + 1 ulp
    [enNumber(10.5, 10, 0.3, 0.4), 'satisfactory'], // computed exactly at 1
    [1.001, 'unsatisfactory'],
    [-1.5, 'unsatisfactory'],
  ])('En = %s → %s', (en, expected) => {
    expect(classifyEn(en)).toBe(expected);
  });

  it('NaN throws', () => {
    expect(() => classifyEn(NaN)).toThrow(RangeError);
  });
});

describe('uncertaintyOfAssignedValue — ISO 13528 7.7.3 and isUncertaintyNegligible — ISO 13528 9.2.1', () => {
  it.each([
    // hand: 1.25 × 0.4 / √4 = 0.25
    [0.4, 4, 0.25],
    // hand: 1.25 × 2 / √25 = 0.5
    [2, 25, 0.5],
    // DOMAIN.md §3: s* = 0.496148, p = 12 → 0.179032
    [0.496148, 12, 0.179032],
  ])('u(s* = %f, p = %i) = %f', (s, p, expected) => {
    expect(uncertaintyOfAssignedValue(s, p)).toBeCloseTo(expected, 6);
  });

  it.each([
    ['p = 0', 1, 0],
    ['fractional p', 1, 2.5],
    ['negative s*', -1, 4],
  ])('%s throws a RangeError', (_title, s, p) => {
    expect(() => uncertaintyOfAssignedValue(s, p)).toThrow(RangeError);
  });

  it.each([
    // [u, σpt, expected]
    [0.179032, 0.496148, false], // DOMAIN.md §3: 0.179032 > 0.148844
    [0.3, 1, true], // exactly at the limit: negligible (≤)
    [0.3000001, 1, false],
    [0.03, 0.1, true], // 0.3 × 0.1 = 0.030000000000000002 in binary: still equal after rounding
    [0.09, 0.3, true], // 0.3 × 0.3 = 0.09 (0.09 in binary is 0.09 within 1e-9)
    [0, 1, true],
  ])('u = %f, σpt = %f → negligible %s', (u, sigma, expected) => {
    expect(isUncertaintyNegligible(u, sigma)).toBe(expected);
  });

  it('σpt ≤ 0 throws', () => {
    expect(() => isUncertaintyNegligible(0.1, 0)).toThrow(RangeError);
  });
});

describe('score properties', () => {
  const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });
  const positive = fc.double({ min: 1e-3, max: 1e3, noNaN: true });

  it('sign symmetry: zScore(x, a, σ) = −zScore(a, x, σ) exactly, and classifyZ(z) = classifyZ(−z)', () => {
    fc.assert(
      fc.property(finite, finite, positive, (x, a, s) => {
        const z = zScore(x, a, s);
        expect(zScore(a, x, s) === -z).toBe(true); // === so that +0 and −0 count as equal
        expect(classifyZ(-z)).toBe(classifyZ(z));
      }),
    );
  });

  it('|z′| ≤ |z|: accounting for u(x_pt) never makes a score worse', () => {
    fc.assert(
      fc.property(finite, finite, positive, fc.double({ min: 0, max: 1e3, noNaN: true }), (x, a, s, u) => {
        expect(Math.abs(zPrimeScore(x, a, s, u))).toBeLessThanOrEqual(Math.abs(zScore(x, a, s)));
      }),
    );
  });

  it('unit invariance: z is unchanged when x, x_pt and σpt are all multiplied by c > 0 (e.g. mmol/L → mg/dL)', () => {
    const labValue = fc.integer({ min: -1_000_000, max: 1_000_000 }).map((v) => v / 100);
    const labSigma = fc.integer({ min: 1, max: 100_000 }).map((v) => v / 100);
    fc.assert(
      fc.property(labValue, labValue, labSigma, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (x, a, s, c) => {
        const z = zScore(x, a, s);
        // bound: rounding c·x and c·a costs ~ε·(|x| + |a|)/σ after the subtraction
        const bound = 1e-14 * ((Math.abs(x) + Math.abs(a)) / s + Math.abs(z));
        expect(Math.abs(zScore(c * x, c * a, c * s) - z)).toBeLessThanOrEqual(bound);
      }),
    );
  });

  it('ζ and En share a formula: enNumber(x, a, U, V) = zetaScore(x, a, U, V)', () => {
    fc.assert(
      fc.property(finite, finite, positive, positive, (x, a, u, v) => {
        expect(enNumber(x, a, u, v)).toBe(zetaScore(x, a, u, v));
      }),
    );
  });
});

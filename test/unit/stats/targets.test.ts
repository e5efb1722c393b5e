import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { controlZ, iqcBiasPercent, CumulativeStats, cumulativeStats, describe as describeSample, MIN_BASELINE_POINTS, minTargetSd, NEW_LOT_DAYS, newLotTargets, targetsFromBaseline } from '../../../lib/stats';

/** 20 cholesterol control results around 200: deviations sum to 0 and their squares to 192 (hand). */
const BASELINE = [198, 202, 200, 196, 204, 199, 201, 203, 197, 200, 206, 194, 200, 202, 198, 205, 195, 200, 201, 199];

describe('targetsFromBaseline — mean and sample SD from ≥ 20 in-control results (CLSI C24; WS/T 641-2018)', () => {
  it('20 results: mean 200, SD √(192/19) (hand), n 20', () => {
    const t = targetsFromBaseline(BASELINE);
    expect(t.n).toBe(20);
    expect(t.mean).toBe(200);
    expect(t.sd).toBeCloseTo(Math.sqrt(192 / 19), 12);
  });

  it('uses the sample SD (n − 1), not the population SD √(192/20)', () => {
    expect(targetsFromBaseline(BASELINE).sd).not.toBeCloseTo(Math.sqrt(192 / 20), 6);
  });

  it.each([
    ['19 results (one short of CLSI C24)', BASELINE.slice(0, 19), /at least 20/],
    ['no results', [], /at least 20/],
    ['20 equal results (SD 0: z undefined)', Array<number>(20).fill(200), /SD 0/],
    ['a non-finite result', [...BASELINE.slice(0, 19), NaN], /finite/],
  ])('refuses %s', (_title, values, message) => {
    expect(() => targetsFromBaseline(values)).toThrow(message);
  });

  it('the minimum is 20', () => {
    expect(MIN_BASELINE_POINTS).toBe(20);
  });
});

describe('minTargetSd and controlZ — an SD the rules can divide by, and z only when it is a number', () => {
  it.each([
    // hand: 1e-9 × |mean|, else the smallest normal double 2^-1022
    [4, 4e-9],
    [-250, 2.5e-7],
    [0, 2 ** -1022],
  ])('the smallest SD for mean %s is %s', (mean, min) => {
    expect(minTargetSd(mean) / min).toBeCloseTo(1, 12);
  });

  it.each([
    [208, 200, 4, 2], // Westgard's cholesterol control 1 at its 2s limit (DOMAIN.md §4)
    [188, 200, 4, -3],
    [5e307, 4, 0.1, null], // 5e308 overflows
    [4.2, 4, 1e-320, null], // 0.2/1e-320 overflows: a subnormal SD
    [4, 4, 1e-320, 0],
  ])('controlZ(%s, mean %s, SD %s) is %s', (x, mean, sd, z) => {
    expect(controlZ(x, { mean, sd })).toBe(z);
  });

  it('baseline values equal but for rounding noise (SD below a billionth of the mean) set no targets', () => {
    const noisy = Array.from({ length: 20 }, (_, i) => 4 + (i % 2) * 8.881784197001252e-16);
    expect(() => targetsFromBaseline(noisy)).toThrow(RangeError);
  });
});

describe('cumulativeStats — Welford (1962) running mean, sample SD and CV', () => {
  it('[2, 4, 4, 4, 5, 5, 7, 9] one at a time: n 8, mean 5, SD √(32/7) (hand), CV 100·SD/5', () => {
    const acc = cumulativeStats();
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) acc.add(x);
    expect(acc.n).toBe(8);
    expect(acc.mean).toBe(5);
    expect(acc.sd).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(acc.variance).toBeCloseTo(32 / 7, 14);
    expect(acc.cv).toBeCloseTo((100 * Math.sqrt(32 / 7)) / 5, 12);
    expect(acc.toJSON()).toEqual({ n: 8, mean: 5, m2: 32 });
  });

  it('is numerically stable where Σx² − (Σx)²/n fails: 1e9 + {4, 7, 13, 16} has variance 30 (textbook example)', () => {
    const xs = [4, 7, 13, 16].map((v) => 1e9 + v);
    const acc = cumulativeStats().addAll(xs);
    expect(acc.variance).toBeCloseTo(30, 6);
    const naive = (xs.reduce((a, x) => a + x * x, 0) - xs.reduce((a, x) => a + x, 0) ** 2 / 4) / 3;
    expect(Math.abs(naive - 30)).toBeGreaterThan(1); // the naive formula is badly off here
  });

  it.each<[string, number[], { n: number; mean: number; sd: number; cv: number }]>([
    // Degenerate cases, decided in the doc comment of CumulativeStats
    ['empty: mean, SD and CV NaN', [], { n: 0, mean: NaN, sd: NaN, cv: NaN }],
    ['one value: mean is the value, SD and CV NaN', [4.2], { n: 1, mean: 4.2, sd: NaN, cv: NaN }],
    ['mean 0: CV NaN', [-1, 1], { n: 2, mean: 0, sd: Math.SQRT2, cv: NaN }],
  ])('degenerate: %s', (_title, values, expected) => {
    const acc = cumulativeStats().addAll(values);
    expect({ n: acc.n, mean: acc.mean, sd: acc.sd, cv: acc.cv }).toEqual(expected);
  });

  it('restores from toJSON() and continues as if never stored (monthly → cumulative)', () => {
    const stored = JSON.parse(JSON.stringify(cumulativeStats().addAll([2, 4, 4, 4])));
    const resumed = cumulativeStats(stored).addAll([5, 5, 7, 9]);
    expect(resumed.mean).toBe(5);
    expect(resumed.sd).toBeCloseTo(Math.sqrt(32 / 7), 14);
  });

  it('merge (Chan, Golub & LeVeque 1979) of two halves equals the whole; merging an empty one changes nothing', () => {
    const a = cumulativeStats().addAll([2, 4, 4, 4]);
    const b = new CumulativeStats().addAll([5, 5, 7, 9]);
    a.merge(b).merge(cumulativeStats());
    expect(a.n).toBe(8);
    expect(a.mean).toBe(5);
    expect(a.sd).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(cumulativeStats().merge(b.toJSON()).toJSON()).toEqual(b.toJSON());
  });

  it.each([
    ['negative n', { n: -1, mean: 0, m2: 0 }],
    ['fractional n', { n: 1.5, mean: 0, m2: 0 }],
    ['negative m2', { n: 2, mean: 0, m2: -1 }],
    ['NaN mean', { n: 2, mean: NaN, m2: 0 }],
  ])('refuses a corrupt stored state: %s', (_title, state) => {
    expect(() => cumulativeStats(state)).toThrow(RangeError);
  });

  it('refuses a non-finite value', () => {
    expect(() => cumulativeStats().add(NaN)).toThrow(RangeError);
  });

  it('property: matches describe() (two-pass, simple-statistics) on any data', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 2, maxLength: 200 }), (ints) => {
        const xs = ints.map((v) => v / 100);
        const d = describeSample(xs);
        const acc = cumulativeStats().addAll(xs);
        const scale = Math.abs(d.mean) + d.sd + 1;
        expect(Math.abs(acc.mean - d.mean)).toBeLessThanOrEqual(1e-9 * scale);
        expect(Math.abs(acc.sd - d.sd)).toBeLessThanOrEqual(1e-9 * scale);
      }),
    );
  });

  it('property: merging the accumulators of any split equals accumulating everything', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100_000, max: 100_000 }), { minLength: 2, maxLength: 100 }), fc.nat(), (ints, cut) => {
        const xs = ints.map((v) => v / 100);
        const k = cut % (xs.length + 1);
        const merged = cumulativeStats().addAll(xs.slice(0, k)).merge(cumulativeStats().addAll(xs.slice(k)));
        const whole = cumulativeStats().addAll(xs);
        const scale = Math.abs(whole.mean) + whole.sd + 1;
        expect(merged.n).toBe(whole.n);
        expect(Math.abs(merged.mean - whole.mean)).toBeLessThanOrEqual(1e-9 * scale);
        expect(Math.abs(merged.sd - whole.sd)).toBeLessThanOrEqual(1e-9 * scale);
      }),
    );
  });
});

describe('newLotTargets — new lot of a known material: mean of its first 10 days, SD carried over (WS/T 641-2018; DOMAIN.md §4)', () => {
  const day = (d: number) => `2026-03-${String(d).padStart(2, '0')}`;
  // ten days: 4.02 3.98 4.05 3.95 4.00 4.01 3.99 4.03 3.97 4.00 (sum 40.00), day 1 twice (+4.06),
  // then day 11 far off (must not count)
  const TEN = [4.02, 3.98, 4.05, 3.95, 4.0, 4.01, 3.99, 4.03, 3.97, 4.0];
  const points = [{ day: day(1), value: 4.06 }, ...TEN.map((value, i) => ({ day: day(i + 1), value })), { day: day(11), value: 9.99 }];

  it('every result of the first 10 days: (40.00 + 4.06)/11 = 4.005454… (hand), SD of the previous lot, day 11 left out', () => {
    const t = newLotTargets(points, 0.05);
    expect(t).toMatchObject({ sd: 0.05, n: 11, days: 10, lastDay: day(10) });
    expect(t.mean).toBeCloseTo(44.06 / 11, 12);
  });

  it('the days are counted in calendar order, whatever the order of the results', () => {
    expect(newLotTargets([...points].reverse(), 0.05).mean).toBeCloseTo(44.06 / 11, 12);
  });

  it.each([
    ['results on 9 days only', points.filter((p) => p.day < day(10)), 0.05, /10 days, got 9/],
    ['no results', [], 0.05, /got 0/],
    ['a carried SD of 0', points, 0, /greater than 0/],
    ['a non-finite result', [...points, { day: day(2), value: NaN }], 0.05, /finite/],
  ])('refuses %s', (_title, pts, sd, message) => {
    expect(() => newLotTargets(pts, sd)).toThrow(message);
  });

  it('the window is 10 days', () => expect(NEW_LOT_DAYS).toBe(10));
});

describe('iqcBiasPercent: each result against the target in force for it', () => {
  it('one target: 100·(x̄ − T)/T (hand: 4.2, 4.4 against 4 → mean 4.3, 7.5 %)', () => {
    expect(iqcBiasPercent([{ value: 4.2, targetMean: 4 }, { value: 4.4, targetMean: 4 }])).toBeCloseTo(7.5, 12);
  });

  it('a target changed mid-month: +5, +10 against 4, −8, −4 against 5 → +0.75 % (the last target alone gave −10 %)', () => {
    const month = [
      { value: 4.2, targetMean: 4 },
      { value: 4.4, targetMean: 4 },
      { value: 4.6, targetMean: 5 },
      { value: 4.8, targetMean: 5 },
    ];
    expect(iqcBiasPercent(month)).toBeCloseTo(0.75, 12);
    const againstLast = ((4.5 - 5) / 5) * 100;
    expect(againstLast).toBeCloseTo(-10, 12);
  });

  it('no result with a (non-zero) target: null; a zero target is left out; non-finite input refused', () => {
    expect(iqcBiasPercent([])).toBeNull();
    expect(iqcBiasPercent([{ value: 1, targetMean: 0 }])).toBeNull();
    expect(iqcBiasPercent([{ value: 1, targetMean: 0 }, { value: 11, targetMean: 10 }])).toBeCloseTo(10, 12);
    expect(() => iqcBiasPercent([{ value: NaN, targetMean: 1 }])).toThrow(RangeError);
    expect(() => iqcBiasPercent([{ value: 1, targetMean: Infinity }])).toThrow(RangeError);
  });

  it('equals (mean − T)/T for any sample against one target, and does not depend on the order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e4, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.double({ min: 0.01, max: 1e4, noNaN: true }),
        (values, target) => {
          const results = values.map((value) => ({ value, targetMean: target }));
          const m = values.reduce((a, b) => a + b, 0) / values.length;
          const expected = ((m - target) / target) * 100;
          const tolerance = 1e-9 * Math.max(1, Math.abs(expected), (1e4 / target) * 100);
          expect(Math.abs(iqcBiasPercent(results)! - expected)).toBeLessThanOrEqual(tolerance);
          expect(Math.abs(iqcBiasPercent([...results].reverse())! - iqcBiasPercent(results)!)).toBeLessThanOrEqual(tolerance);
        },
      ),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { eqaBiasPercent, recommendRules, SIGMA_BIAS_EVENTS, SIGMA_RULES_TABLE, sigmaMetric, sigmaRulesRow, type SigmaRulesTable, type WestgardRule } from '../../../lib/stats';

describe('sigmaMetric — (TEa% − |bias%|)/CV%', () => {
  it.each([
    // [TEa, bias, CV, σ] — hand computations
    [10, 1, 1.5, 6],
    [6, -1, 1, 5], // |bias| is used
    [6, 1.2, 0.8, 6], // exactly 6 in decimal; 5.999999999999999 in binary
    [6, 0.4, 1.12, 5], // exactly 5 in decimal; 4.999999999999999 in binary
    [4, 5, 1, -1], // bias larger than TEa: negative sigma
  ])('TEa %f %%, bias %f %%, CV %f %% → σ ≈ %f', (tea, bias, cv, expected) => {
    expect(sigmaMetric(tea, bias, cv)).toBeCloseTo(expected, 12);
  });

  it.each([
    ['CV 0', 6, 1, 0],
    ['negative CV', 6, 1, -1],
    ['negative TEa', -6, 1, 1],
    ['NaN bias', 6, NaN, 1],
  ])('%s throws a RangeError', (_title, tea, bias, cv) => {
    expect(() => sigmaMetric(tea, bias, cv)).toThrow(RangeError);
  });
});

describe('recommendRules — Westgard Sigma Rules (DOMAIN.md §4), bounds inclusive below', () => {
  it.each<[number, number, WestgardRule[]]>([
    // [σ, levels per run, rules] — DOMAIN.md §4 table
    [6.3, 2, ['1-3s']],
    [6, 2, ['1-3s']], // σ = 6 belongs to "σ ≥ 6"
    [sigmaMetric(6, 1.2, 0.8), 2, ['1-3s']], // 5.999999999999999 in binary is 6
    [5.99, 2, ['1-3s', '2-2s', 'R-4s']],
    [5, 2, ['1-3s', '2-2s', 'R-4s']], // σ = 5 belongs to "5–6"
    [sigmaMetric(6, 0.4, 1.12), 2, ['1-3s', '2-2s', 'R-4s']], // 4.999999999999999 in binary is 5
    [4.99, 2, ['1-3s', '2-2s', 'R-4s', '4-1s']],
    [4, 2, ['1-3s', '2-2s', 'R-4s', '4-1s']],
    [3.99, 2, ['1-3s', '2-2s', 'R-4s', '4-1s', '8x']],
    [-1, 2, ['1-3s', '2-2s', 'R-4s', '4-1s', '8x']],
    [6.3, 3, ['1-3s']],
    [5, 3, ['1-3s', '2of3-2s', 'R-4s']],
    [4, 3, ['1-3s', '2of3-2s', 'R-4s', '3-1s']],
    [3, 3, ['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x']],
  ])('σ %f with %i levels → %j', (sigma, levels, expected) => {
    expect(recommendRules(sigma, levels)).toEqual(expected);
  });

  it("never includes '1-2s' (the Sigma Rules do not use it; a region adds it as a warning if it wants)", () => {
    for (const row of SIGMA_RULES_TABLE) for (const rules of Object.values(row.rules)) expect(rules).not.toContain('1-2s');
  });

  it('below 4 sigma the row carries the advice to run more controls and improve the method', () => {
    expect(sigmaRulesRow(3.5).advice).toMatch(/more controls/);
  });

  it('a region can replace the table (kept as data)', () => {
    const regional: SigmaRulesTable = [
      { minSigma: 5.5, rules: { 2: ['1-3s'] } },
      { minSigma: -Infinity, rules: { 2: ['1-3s', '2-2s', 'R-4s', '4-1s', '10x'], 1: ['1-3s', '4-1s'] } },
    ];
    expect(recommendRules(5.6, 2, regional)).toEqual(['1-3s']);
    expect(recommendRules(5.2, 2, regional)).toEqual(['1-3s', '2-2s', 'R-4s', '4-1s', '10x']);
    expect(recommendRules(5.2, 1, regional)).toEqual(['1-3s', '4-1s']);
  });

  it('returns a copy: changing it does not change the table', () => {
    const rules = recommendRules(6, 2);
    rules.push('1-2s');
    expect(recommendRules(6, 2)).toEqual(['1-3s']);
    expect(Object.isFrozen(SIGMA_RULES_TABLE)).toBe(true);
    expect(Object.isFrozen(SIGMA_RULES_TABLE[0].rules[2])).toBe(true);
  });

  it.each<[string, () => unknown]>([
    ['1 level per run with the default table (it has rule sets for 2 and 3 levels)', () => recommendRules(5, 1)],
    ['NaN sigma', () => recommendRules(NaN, 2)],
    ['a table with no row for the sigma', () => recommendRules(3, 2, [{ minSigma: 4, rules: { 2: ['1-3s'] } }])],
    ['a table with an unknown rule code', () => recommendRules(6, 2, [{ minSigma: 0, rules: { 2: ['1:3s' as WestgardRule] } }])],
  ])('throws a RangeError for %s', (_title, call) => {
    expect(call).toThrow(RangeError);
  });
});

describe('issue 9 item 5 — the bias of the sigma comes from EQA, not from IQC against the own mean', () => {
  it.each<[string, number, WestgardRule[]]>([
    // K at CV 1 %, TEa 6 % (the numbers)
    ['IQC against the lab\'s own mean (bias ≈ 0 by construction): σ = 6 → 1-3s only — the wrong old choice', 0, ['1-3s']],
    ['a 2.5 % EQA bias: σ = 3.5 → the full multirule', 2.5, ['1-3s', '2-2s', 'R-4s', '4-1s', '8x']],
  ])('%s', (_title, bias, rules) => {
    const sigma = sigmaMetric(6, bias, 1);
    expect(sigma).toBeCloseTo(bias === 0 ? 6 : 3.5, 12);
    expect(recommendRules(sigma, 2)).toEqual(rules);
  });
});

describe('eqaBiasPercent — mean percent deviation of the latest published EQA events', () => {
  it.each<[string, { n: number; sumPercent: number }[], number | null]>([
    // hand computations
    ['two events of 2 results: (2 + 3) and (−4 − 4) → −3/4', [{ n: 2, sumPercent: 5 }, { n: 2, sumPercent: -8 }], -0.75],
    ['each result weighs the same: 5 results summing 15 and 1 result of 3 → 18/6', [{ n: 5, sumPercent: 15 }, { n: 1, sumPercent: 3 }], 3],
    ['one event only', [{ n: 2, sumPercent: 5 }], 2.5],
    ['no events: no bias', [], null],
    ['events without graded results: no bias', [{ n: 0, sumPercent: 0 }], null],
  ])('%s', (_title, events, expected) => {
    const b = eqaBiasPercent(events);
    if (expected === null) expect(b).toBeNull();
    else expect(b).toBeCloseTo(expected, 12);
  });

  it('uses the two latest events (issue 9)', () => expect(SIGMA_BIAS_EVENTS).toBe(2));

  it.each([
    ['a negative n', [{ n: -1, sumPercent: 0 }]],
    ['a fractional n', [{ n: 1.5, sumPercent: 0 }]],
    ['a NaN sum', [{ n: 1, sumPercent: NaN }]],
  ])('%s throws a RangeError', (_title, events) => {
    expect(() => eqaBiasPercent(events)).toThrow(RangeError);
  });
});

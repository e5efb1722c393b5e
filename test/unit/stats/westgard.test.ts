import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_WESTGARD_RULES,
  evaluateWestgard,
  WESTGARD_RULES,
  zScore,
  type RunInput,
  type RunStatus,
  type RunVerdict,
  type WestgardRule,
  type WestgardScope,
} from '../../../lib/stats';

/**
 * Test notation: a sequence of runs is written as rows of z-values, one column per level
 * (L1, L2, L3); `null` means the run has no value for that level. Run ids are r1, r2, …
 * Every expected value below is a hand application of DOMAIN.md §4 "Rule semantics used by LabQC".
 */
type Row = (number | null)[];
const LEVELS = ['L1', 'L2', 'L3'];

function toRuns(rows: Row[]): RunInput[] {
  return rows.map((row, i) => ({
    id: `r${i + 1}`,
    values: row.flatMap((z, j) => (z === null ? [] : [{ level: LEVELS[j], z }])),
  }));
}

type Fired = Partial<Record<WestgardRule, { levels: string[]; scopes: WestgardScope[] }>>;

function summary(verdict: RunVerdict): { status: RunStatus; fired: Fired } {
  const fired: Fired = {};
  for (const v of verdict.violations) fired[v.rule] = { levels: v.levels, scopes: v.scopes };
  return { status: verdict.status, fired };
}

function lastRun(rows: Row[], rules: readonly WestgardRule[]) {
  const verdicts = evaluateWestgard(toRuns(rows), rules);
  return summary(verdicts[verdicts.length - 1]);
}

const W = 'within-run' as const;
const A = 'across-runs' as const;
const F = 'flattened' as const;

type Case = [title: string, rows: Row[], expected: { status: RunStatus; fired: Fired }];

const ACCEPTED = { status: 'accepted' as const, fired: {} };

describe('1-2s (warning): a value of the run beyond ±2, strictly', () => {
  it.each<Case>([
    ['+2.5 on L1 → warning', [[2.5, 0]], { status: 'warning', fired: { '1-2s': { levels: ['L1'], scopes: [W] } } }],
    ['+2.1 and −2.1 → both levels listed', [[2.1, -2.1]], { status: 'warning', fired: { '1-2s': { levels: ['L1', 'L2'], scopes: [W] } } }],
    ['must NOT fire: exactly +2.0 and −2.0 are not beyond 2', [[2, -2]], ACCEPTED],
    ['must NOT fire: 2.0000000000000018 (binary for (3.7 − 3.5)/0.1) is 2', [[zScore(3.7, 3.5, 0.1), 0]], ACCEPTED],
    ['must NOT fire: a previous run beyond 2 does not warn the current run', [[2.5, 0], [0, 0]], ACCEPTED],
  ])('%s', (_title, rows, expected) => {
    expect(lastRun(rows, ['1-2s'])).toEqual(expected);
  });
});

describe('1-3s: a value of the run beyond ±3, strictly', () => {
  it.each<Case>([
    ['+3.01 on L1 → rejected', [[3.01, 0]], { status: 'rejected', fired: { '1-3s': { levels: ['L1'], scopes: [W] } } }],
    ['−3.5 on L2 → rejected', [[0, -3.5]], { status: 'rejected', fired: { '1-3s': { levels: ['L2'], scopes: [W] } } }],
    ['must NOT fire: exactly +3.0 and −3.0', [[3, -3]], ACCEPTED],
    ['must NOT fire: 3 + 1 ulp of float noise', [[3.0000000000000004, 0]], ACCEPTED],
  ])('%s', (_title, rows, expected) => {
    expect(lastRun(rows, ['1-3s'])).toEqual(expected);
  });
});

describe('2-2s: two values of the run beyond 2 on the same side, or one level beyond 2 on the same side in two consecutive values', () => {
  it.each<Case>([
    ['within run: +2.1 and +2.2', [[2.1, 2.2]], { status: 'rejected', fired: { '2-2s': { levels: ['L1', 'L2'], scopes: [W] } } }],
    ['within run: −2.5 and −2.01', [[-2.5, -2.01]], { status: 'rejected', fired: { '2-2s': { levels: ['L1', 'L2'], scopes: [W] } } }],
    ['within run, 3 levels: L1 and L3 above +2', [[2.2, 0, 2.4]], { status: 'rejected', fired: { '2-2s': { levels: ['L1', 'L3'], scopes: [W] } } }],
    ['across runs: L1 +2.5 then +2.3', [[2.5, 0], [2.3, 0]], { status: 'rejected', fired: { '2-2s': { levels: ['L1'], scopes: [A] } } }],
    ['across runs: L2 −2.1 twice', [[0, -2.1], [0, -2.1]], { status: 'rejected', fired: { '2-2s': { levels: ['L2'], scopes: [A] } } }],
    ['both scopes at once', [[2.5, 2.5], [2.5, 2.5]], { status: 'rejected', fired: { '2-2s': { levels: ['L1', 'L2'], scopes: [W, A] } } }],
    [
      "across runs: a run without L1 in between — L1's previous value is still its previous value",
      [[2.5, 0], [null, 0], [2.4, 0]],
      { status: 'rejected', fired: { '2-2s': { levels: ['L1'], scopes: [A] } } },
    ],
    ['must NOT fire: +2.5 and −2.5 in one run (opposite sides: that is R-4s)', [[2.5, -2.5]], ACCEPTED],
    ['must NOT fire: L1 +2.5 then −2.5 (opposite sides)', [[2.5, 0], [-2.5, 0]], ACCEPTED],
    ['must NOT fire: exactly 2.0 and 2.5 within a run', [[2, 2.5]], ACCEPTED],
    ['must NOT fire: L1 exactly 2.0 then 2.5', [[2, 0], [2.5, 0]], ACCEPTED],
    ['must NOT fire: L2 then L1 beyond 2 — adjacent in the flattened sequence, but different levels', [[0, 2.5], [2.5, 0]], ACCEPTED],
    ['must NOT fire: L1 beyond 2 with an in-control L1 value between', [[2.5, 0], [0, 0], [2.5, 0]], ACCEPTED],
  ])('%s', (_title, rows, expected) => {
    expect(lastRun(rows, ['2-2s'])).toEqual(expected);
  });
});

describe('R-4s: within the run only, one value above +2 and another below −2', () => {
  it.each<Case>([
    ['+2.1 and −2.1', [[2.1, -2.1]], { status: 'rejected', fired: { 'R-4s': { levels: ['L1', 'L2'], scopes: [W] } } }],
    ['3 levels: +2.5, 0, −2.2', [[2.5, 0, -2.2]], { status: 'rejected', fired: { 'R-4s': { levels: ['L1', 'L3'], scopes: [W] } } }],
    ['+3.5 and −3.5', [[3.5, -3.5]], { status: 'rejected', fired: { 'R-4s': { levels: ['L1', 'L2'], scopes: [W] } } }],
    ['must NOT fire: ±2.5 on one level in consecutive runs (never across runs)', [[2.5, 0], [-2.5, 0]], ACCEPTED],
    ['must NOT fire: +2.5 then −2.5 adjacent in the flattened sequence (r1 L2, r2 L1)', [[0, 2.5], [-2.5, 0]], ACCEPTED],
    ['must NOT fire: exactly +2.0 and −2.5', [[2, -2.5]], ACCEPTED],
    ['must NOT fire: +2.5 and exactly −2.0', [[2.5, -2]], ACCEPTED],
    ['must NOT fire: a range of 4.4 SD without a value below −2 (+3.9, −0.5)', [[3.9, -0.5]], ACCEPTED],
  ])('%s', (_title, rows, expected) => {
    expect(lastRun(rows, ['R-4s'])).toEqual(expected);
  });
});

describe('4-1s: 4 consecutive values beyond 1 on the same side, per level or in the flattened sequence', () => {
  it.each<Case>([
    [
      'per level: L1 +1.5, +1.2, +1.1, +1.3',
      [[1.5, 0], [1.2, 0], [1.1, 0], [1.3, 0]],
      { status: 'rejected', fired: { '4-1s': { levels: ['L1'], scopes: [A] } } },
    ],
    ['per level: L2 −1.5 four times', [[0, -1.5], [0, -1.5], [0, -1.5], [0, -1.5]], { status: 'rejected', fired: { '4-1s': { levels: ['L2'], scopes: [A] } } }],
    ['flattened: 2 runs × 2 levels at +1.5 (per level only 2 values)', [[1.5, 1.5], [1.5, 1.5]], { status: 'rejected', fired: { '4-1s': { levels: ['L1', 'L2'], scopes: [F] } } }],
    ['flattened, 3 levels: r1 L3 and all of r2 at +1.5', [[0, 0, 1.5], [1.5, 1.5, 1.5]], { status: 'rejected', fired: { '4-1s': { levels: ['L1', 'L2', 'L3'], scopes: [F] } } }],
    [
      'both scopes: 4 runs × 2 levels at +1.5',
      [[1.5, 1.5], [1.5, 1.5], [1.5, 1.5], [1.5, 1.5]],
      { status: 'rejected', fired: { '4-1s': { levels: ['L1', 'L2'], scopes: [A, F] } } },
    ],
    [
      'per level on both sides: L1 above +1, L2 below −1, four runs (flattened alternates, so not flattened)',
      [[1.5, -1.5], [1.5, -1.5], [1.5, -1.5], [1.5, -1.5]],
      { status: 'rejected', fired: { '4-1s': { levels: ['L1', 'L2'], scopes: [A] } } },
    ],
    ['must NOT fire: only 3 values beyond 1', [[1.5, 0], [1.5, 0], [1.5, 0]], ACCEPTED],
    ['must NOT fire: one of the 4 exactly at 1.0', [[1.5, 0], [1, 0], [1.5, 0], [1.5, 0]], ACCEPTED],
    ['must NOT fire: one of the 4 on the other side', [[1.5, 0], [1.5, 0], [-1.5, 0], [1.5, 0]], ACCEPTED],
    ['must NOT fire: flattened window ends with the run\'s last value (r1 L2 … r3 L1 beyond, r3 L2 = 0)', [[0, 1.5], [1.5, 1.5], [1.5, 0]], ACCEPTED],
    ['must NOT fire: flattened alternating +1.5/−1.5 for 2 runs', [[1.5, -1.5], [1.5, -1.5]], ACCEPTED],
  ])('%s', (_title, rows, expected) => {
    expect(lastRun(rows, ['4-1s'])).toEqual(expected);
  });

  it('fires on the 4th run only, not before (per level)', () => {
    const verdicts = evaluateWestgard(toRuns([[1.5, 0], [1.2, 0], [1.1, 0], [1.3, 0]]), ['4-1s']);
    expect(verdicts.map((v) => v.status)).toEqual(['accepted', 'accepted', 'accepted', 'rejected']);
    expect(verdicts[3].violations[0].points).toEqual([
      { runId: 'r1', level: 'L1', z: 1.5 },
      { runId: 'r2', level: 'L1', z: 1.2 },
      { runId: 'r3', level: 'L1', z: 1.1 },
      { runId: 'r4', level: 'L1', z: 1.3 },
    ]);
  });

  it('must NOT fire on any run of the "window ends with the run\'s last value" sequence', () => {
    const verdicts = evaluateWestgard(toRuns([[0, 1.5], [1.5, 1.5], [1.5, 0]]), ['4-1s']);
    expect(verdicts.map((v) => v.status)).toEqual(['accepted', 'accepted', 'accepted']);
  });
});

describe('3-1s: 3 consecutive values beyond 1 on the same side, per level or in the flattened sequence', () => {
  it.each<Case>([
    ['per level: L1 +1.2, +1.5, +1.1', [[1.2, 0], [1.5, 0], [1.1, 0]], { status: 'rejected', fired: { '3-1s': { levels: ['L1'], scopes: [A] } } }],
    ['flattened inside one 3-level run: +1.5 × 3', [[1.5, 1.5, 1.5]], { status: 'rejected', fired: { '3-1s': { levels: ['L1', 'L2', 'L3'], scopes: [F] } } }],
    ['flattened across runs: r1 L2, r2 L1, r2 L2 at −1.5', [[0, -1.5], [-1.5, -1.5]], { status: 'rejected', fired: { '3-1s': { levels: ['L1', 'L2'], scopes: [F] } } }],
    ['must NOT fire: only 2 values', [[1.5, 1.5]], ACCEPTED],
    ['must NOT fire: the third value is +0.9', [[1.5, 0], [1.5, 0], [0.9, 0]], ACCEPTED],
  ])('%s', (_title, rows, expected) => {
    expect(lastRun(rows, ['3-1s'])).toEqual(expected);
  });
});

describe('2of3-2s: two values of the run beyond 2 on the same side, or a level beyond 2 now and in 2 of its last 3 values', () => {
  it.each<Case>([
    ['within run: +2.5, +2.1, 0', [[2.5, 2.1, 0]], { status: 'rejected', fired: { '2of3-2s': { levels: ['L1', 'L2'], scopes: [W] } } }],
    ['across runs: L1 +2.5, 0, +2.3', [[2.5, 0], [0, 0], [2.3, 0]], { status: 'rejected', fired: { '2of3-2s': { levels: ['L1'], scopes: [A] } } }],
    ['across runs: L2 −2.2, −1, −2.4', [[0, -2.2], [0, -1], [0, -2.4]], { status: 'rejected', fired: { '2of3-2s': { levels: ['L2'], scopes: [A] } } }],
    ['across runs with only 2 values so far: L1 +2.5, +2.5', [[2.5, 0], [2.5, 0]], { status: 'rejected', fired: { '2of3-2s': { levels: ['L1'], scopes: [A] } } }],
    ['must NOT fire: the two values are 4 runs apart', [[2.5, 0], [0, 0], [0, 0], [2.3, 0]], ACCEPTED],
    ['must NOT fire: the current value is not beyond 2 (L1 +2.5, +2.5, 0)', [[2.5, 0], [2.5, 0], [0, 0]], ACCEPTED],
    ['must NOT fire: opposite sides (+2.5, 0, −2.5)', [[2.5, 0], [0, 0], [-2.5, 0]], ACCEPTED],
    ['must NOT fire: one value beyond 2 in a 3-level run', [[2.5, 0, 0]], ACCEPTED],
    ['must NOT fire: different levels in consecutive runs', [[2.5, 0], [0, 2.5]], ACCEPTED],
    ['must NOT fire: exactly 2.0 counts as not beyond', [[2.5, 0], [0, 0], [2, 0]], ACCEPTED],
  ])('%s', (_title, rows, expected) => {
    expect(lastRun(rows, ['2of3-2s'])).toEqual(expected);
  });
});

describe('Nx (6x, 8x, 9x, 10x, 12x): N consecutive values on the same side of the mean (z > 0 or z < 0)', () => {
  const NX: [WestgardRule, number][] = [
    ['6x', 6],
    ['8x', 8],
    ['9x', 9],
    ['10x', 10],
    ['12x', 12],
  ];
  /** L1 at `z` for n runs; L2 alternates ±0.3 so that neither L2 nor the flattened sequence forms a streak. */
  const perLevel = (n: number, z: number): Row[] => Array.from({ length: n }, (_, i) => [z, i % 2 ? 0.3 : -0.3]);
  /** Both levels at `z`, ⌈N/2⌉ runs; for odd N the first run's L1 is on the other side. */
  const flattened = (n: number, z: number): Row[] =>
    Array.from({ length: Math.ceil(n / 2) }, (_, i) => (i === 0 && n % 2 === 1 ? [-z, z] : [z, z]));

  it.each(NX)('%s per level: fires at the Nth value of L1 above the mean, not at N − 1', (rule, n) => {
    const verdicts = evaluateWestgard(toRuns(perLevel(n, 0.5)), [rule]);
    expect(verdicts.slice(0, n - 1).every((v) => v.status === 'accepted')).toBe(true);
    expect(summary(verdicts[n - 1])).toEqual({ status: 'rejected', fired: { [rule]: { levels: ['L1'], scopes: [A] } } });
  });

  it.each(NX)('%s per level: below the mean as well', (rule, n) => {
    expect(lastRun(perLevel(n, -0.5), [rule])).toEqual({ status: 'rejected', fired: { [rule]: { levels: ['L1'], scopes: [A] } } });
  });

  it.each(NX)('%s flattened: N values of both levels in a row, ending with the run\'s last value', (rule, n) => {
    expect(lastRun(flattened(n, 0.2), [rule])).toEqual({ status: 'rejected', fired: { [rule]: { levels: ['L1', 'L2'], scopes: [F] } } });
  });

  it.each(NX)('%s must NOT fire: a value of exactly 0 breaks the streak (N − 1, 0, N − 1)', (rule, n) => {
    const l1 = [...Array<number>(n - 1).fill(0.5), 0, ...Array<number>(n - 1).fill(0.5)];
    const rows: Row[] = l1.map((z, i) => [z, i % 2 ? 0.3 : -0.3]);
    expect(evaluateWestgard(toRuns(rows), [rule]).every((v) => v.status === 'accepted')).toBe(true);
  });

  it('must NOT fire: z = 1e-12 is 0 after rounding to 9 decimals and breaks the streak', () => {
    const l1 = [0.5, 0.5, 0.5, 1e-12, 0.5, 0.5];
    const rows: Row[] = l1.map((z, i) => [z, i % 2 ? 0.3 : -0.3]);
    expect(evaluateWestgard(toRuns(rows), ['6x']).every((v) => v.status === 'accepted')).toBe(true);
  });
});

describe("Westgard's cholesterol example (DOMAIN.md §4): control 1 mean 200 SD 4, control 2 mean 250 SD 5, default 2-level rules", () => {
  const z1 = (x: number) => zScore(x, 200, 4);
  const z2 = (x: number) => zScore(x, 250, 5);
  const run = (id: string, c1: number, c2: number): RunInput => ({
    id,
    values: [
      { level: 'C1', z: z1(c1) },
      { level: 'C2', z: z2(c2) },
    ],
  });
  const rules = DEFAULT_WESTGARD_RULES[2];

  it.each<[string, number, number, RunStatus, WestgardRule[]]>([
    // [title, control 1, control 2, status, rules fired] — limits 192–208 / 188–212 and 240–260 / 235–265
    ['208 and 260: on the 2s limits, not beyond', 208, 260, 'accepted', []],
    ['192 and 240: on the lower 2s limits', 192, 240, 'accepted', []],
    ['209 (z 2.25) and 255: 1-2s warning', 209, 255, 'warning', ['1-2s']],
    ['213 (z 3.25) and 255: 1-3s', 213, 255, 'rejected', ['1-2s', '1-3s']],
    ['212 and 265 (z 3 and 3): on the 3s limits, not 1-3s, but 2-2s within the run', 212, 265, 'rejected', ['1-2s', '2-2s']],
    ['211 and 262 (z 2.75 and 2.4): 2-2s within the run', 211, 262, 'rejected', ['1-2s', '2-2s']],
    ['209 and 239 (z 2.25 and −2.2): R-4s', 209, 239, 'rejected', ['1-2s', 'R-4s']],
    ['188 and 235 (z −3 and −3): on the 3s limits, 2-2s', 188, 235, 'rejected', ['1-2s', '2-2s']],
  ])('%s', (_title, c1, c2, status, fired) => {
    const [verdict] = evaluateWestgard([run('r1', c1, c2)], rules);
    expect(verdict.status).toBe(status);
    expect(verdict.violations.map((v) => v.rule)).toEqual(fired);
  });

  it('control 1 at 205, 206, 205, 207 (z 1.25, 1.5, 1.25, 1.75): 4-1s on the 4th run', () => {
    const runs = [205, 206, 205, 207].map((c1, i) => run(`r${i + 1}`, c1, 250));
    const verdicts = evaluateWestgard(runs, rules);
    expect(verdicts.map((v) => v.status)).toEqual(['accepted', 'accepted', 'accepted', 'rejected']);
    expect(summary(verdicts[3]).fired).toEqual({ '4-1s': { levels: ['C1'], scopes: [A] } });
  });

  it('control 2 at 251 (z 0.2) for 10 runs while control 1 alternates 199/201: 10x on the 10th run', () => {
    const runs = Array.from({ length: 10 }, (_, i) => run(`r${i + 1}`, i % 2 ? 201 : 199, 251));
    const verdicts = evaluateWestgard(runs, rules);
    expect(verdicts.slice(0, 9).every((v) => v.status === 'accepted')).toBe(true);
    expect(summary(verdicts[9]).fired).toEqual({ '10x': { levels: ['C2'], scopes: [A] } });
  });

  it('control 1 at 209 then 210 (z 2.25, 2.5): warning, then 2-2s across runs', () => {
    const verdicts = evaluateWestgard([run('r1', 209, 250), run('r2', 210, 250)], rules);
    expect(verdicts.map(summary)).toEqual([
      { status: 'warning', fired: { '1-2s': { levels: ['C1'], scopes: [W] } } },
      { status: 'rejected', fired: { '1-2s': { levels: ['C1'], scopes: [W] }, '2-2s': { levels: ['C1'], scopes: [A] } } },
    ]);
  });
});

describe('evaluateWestgard — status, ordering, history and input validation', () => {
  it.each<[string, Row[], WestgardRule[], RunStatus]>([
    ['only 1-2s fired → warning', [[2.5, 0]], ['1-2s', '1-3s'], 'warning'],
    ['1-2s and another rule → rejected', [[3.5, 0]], ['1-2s', '1-3s'], 'rejected'],
    ['any rule other than 1-2s alone → rejected', [[2.5, 2.5]], ['2-2s'], 'rejected'],
    ['no rules selected → accepted whatever the values', [[5, -5]], [], 'accepted'],
    ['a run without values → accepted', [[null, null]], ['1-2s', '1-3s', '4-1s'], 'accepted'],
  ])('%s', (_title, rows, rules, status) => {
    expect(lastRun(rows, rules).status).toBe(status);
  });

  it('returns one verdict per run, in order, with the run ids', () => {
    const verdicts = evaluateWestgard(toRuns([[0, 0], [2.5, 0], [3.5, 0]]), ['1-2s', '1-3s']);
    expect(verdicts.map((v) => [v.runId, v.status])).toEqual([
      ['r1', 'accepted'],
      ['r2', 'warning'],
      ['r3', 'rejected'],
    ]);
  });

  it('reports violations in canonical rule order whatever the order of `rules`, without duplicates', () => {
    const [verdict] = evaluateWestgard(toRuns([[3.5, -2.5]]), ['R-4s', '1-3s', '1-2s', '1-3s']);
    expect(verdict.violations.map((v) => v.rule)).toEqual(['1-2s', '1-3s', 'R-4s']);
  });

  it('reports the points of each violation, oldest first', () => {
    const [, second] = evaluateWestgard(toRuns([[2.5, 0], [2.3, 0]]), ['2-2s']);
    expect(second.violations).toEqual([
      {
        rule: '2-2s',
        levels: ['L1'],
        scopes: ['across-runs'],
        points: [
          { runId: 'r1', level: 'L1', z: 2.5 },
          { runId: 'r2', level: 'L1', z: 2.3 },
        ],
      },
    ]);
  });

  it('rejected runs stay in the sequence: a rejected run\'s +3.5 and the next run\'s +2.5 make 2-2s (the caller chooses the history)', () => {
    const verdicts = evaluateWestgard(toRuns([[3.5, 0], [2.5, 0]]), ['1-3s', '2-2s']);
    expect(verdicts.map(summary)).toEqual([
      { status: 'rejected', fired: { '1-3s': { levels: ['L1'], scopes: [W] } } },
      { status: 'rejected', fired: { '2-2s': { levels: ['L1'], scopes: [A] } } },
    ]);
  });

  it('accepts any iterable, e.g. a generator streaming runs', () => {
    const runs = toRuns([[1.5, 1.5], [1.5, 1.5]]);
    function* stream() {
      yield* runs;
    }
    expect(evaluateWestgard(stream(), ['4-1s'])).toEqual(evaluateWestgard(runs, ['4-1s']));
  });

  it.each<[string, () => unknown]>([
    ['an unknown rule code', () => evaluateWestgard(toRuns([[0, 0]]), ['2:2s' as WestgardRule])],
    ['a NaN z', () => evaluateWestgard(toRuns([[NaN, 0]]), ['1-2s'])],
    ['an infinite z', () => evaluateWestgard(toRuns([[Infinity, 0]]), ['1-2s'])],
    ['a level twice in one run', () => evaluateWestgard([{ id: 'r1', values: [{ level: 'L1', z: 0 }, { level: 'L1', z: 1 }] }], ['1-2s'])],
    ['a run without an id', () => evaluateWestgard([{ values: [] } as unknown as RunInput], ['1-2s'])],
  ])('throws a RangeError for %s', (_title, call) => {
    expect(call).toThrow(RangeError);
  });
});

/**
 * Reference implementation written directly from the text of DOMAIN.md §4, rescanning the whole
 * history for every run (quadratic, obviously correct). evaluateWestgard must agree with it.
 */
function referenceWestgard(runs: RunInput[], rules: readonly WestgardRule[]) {
  const flat: { level: string; z: number }[] = [];
  const byLevel = new Map<string, number[]>();
  return runs.map((run) => {
    for (const v of run.values) {
      flat.push(v);
      byLevel.set(v.level, [...(byLevel.get(v.level) ?? []), v.z]);
    }
    const fired = new Map<WestgardRule, Set<string>>();
    const fire = (rule: WestgardRule, levels: string[]) => {
      const set = fired.get(rule) ?? new Set<string>();
      levels.forEach((l) => set.add(l));
      fired.set(rule, set);
    };
    const vals = run.values;
    const above = (k: number) => vals.filter((v) => v.z > k);
    const below = (k: number) => vals.filter((v) => v.z < -k);
    const lvl = (vs: { level: string }[]) => vs.map((v) => v.level);
    const allSameSide = (zs: number[], n: number, k: number) =>
      zs.length >= n && (zs.slice(-n).every((z) => z > k) || zs.slice(-n).every((z) => z < -k));
    const consecutive = (rule: WestgardRule, n: number, k: number) => {
      for (const v of vals) if (allSameSide(byLevel.get(v.level)!, n, k)) fire(rule, [v.level]);
      if (vals.length > 0 && allSameSide(flat.map((p) => p.z), n, k)) fire(rule, lvl(flat.slice(-n)));
    };
    for (const rule of rules) {
      switch (rule) {
        case '1-2s':
        case '1-3s': {
          const k = rule === '1-2s' ? 2 : 3;
          const beyond = vals.filter((v) => Math.abs(v.z) > k);
          if (beyond.length > 0) fire(rule, lvl(beyond));
          break;
        }
        case '2-2s':
        case '2of3-2s': {
          if (above(2).length >= 2) fire(rule, lvl(above(2)));
          if (below(2).length >= 2) fire(rule, lvl(below(2)));
          for (const v of vals) {
            const zs = byLevel.get(v.level)!;
            if (rule === '2-2s' && allSameSide(zs, 2, 2)) fire(rule, [v.level]);
            if (rule === '2of3-2s' && Math.abs(v.z) > 2) {
              const side = Math.sign(v.z);
              if (zs.slice(-3).filter((z) => side * z > 2).length >= 2) fire(rule, [v.level]);
            }
          }
          break;
        }
        case 'R-4s':
          if (above(2).length > 0 && below(2).length > 0) fire(rule, [...lvl(above(2)), ...lvl(below(2))]);
          break;
        case '4-1s':
          consecutive(rule, 4, 1);
          break;
        case '3-1s':
          consecutive(rule, 3, 1);
          break;
        default:
          consecutive(rule, Number.parseInt(rule, 10), 0);
      }
    }
    const ruleList = [...fired.keys()];
    const status: RunStatus = ruleList.length === 0 ? 'accepted' : ruleList.every((r) => r === '1-2s') ? 'warning' : 'rejected';
    return { status, fired: Object.fromEntries([...fired].map(([r, set]) => [r, [...set].sort()])) };
  });
}

describe('evaluateWestgard — properties', () => {
  /** z in quarter steps from −4 to 4, so boundaries (0, ±1, ±2, ±3) are hit exactly. */
  const zArb = fc.integer({ min: -16, max: 16 }).map((q) => q / 4);
  const runsArb = fc
    .array(fc.tuple(zArb, zArb, zArb, fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 40 })
    .map((rows) =>
      rows.map(([a, b, c, mask], i): RunInput => ({
        id: `r${i + 1}`,
        // mask: bit set of the levels present (0 = a run without values, 7 = all three)
        values: [a, b, c].flatMap((z, j) => (mask & (1 << j) ? [{ level: LEVELS[j], z }] : [])),
      })),
    );
  const rulesArb = fc.subarray([...WESTGARD_RULES], { minLength: 1 });

  it('agrees with a brute-force reference written from the text of DOMAIN.md §4 (status, rules fired, levels)', () => {
    fc.assert(
      fc.property(runsArb, rulesArb, (runs, rules) => {
        const actual = evaluateWestgard(runs, rules).map((v) => ({
          status: v.status,
          fired: Object.fromEntries(v.violations.map((x) => [x.rule, [...x.levels].sort()])),
        }));
        expect(actual).toEqual(referenceWestgard(runs, rules));
      }),
      { numRuns: 500 },
    );
  });

  it('sign symmetry: negating every z gives the same statuses and the same rules on the same levels', () => {
    fc.assert(
      fc.property(runsArb, rulesArb, (runs, rules) => {
        const negated = runs.map((r) => ({ ...r, values: r.values.map((v) => ({ ...v, z: -v.z })) }));
        const strip = (vs: RunVerdict[]) => vs.map((v) => ({ s: v.status, r: v.violations.map((x) => [x.rule, x.levels, x.scopes]) }));
        expect(strip(evaluateWestgard(negated, rules))).toEqual(strip(evaluateWestgard(runs, rules)));
      }),
    );
  });

  it('no look-ahead: the verdicts on a prefix of the runs equal the first verdicts on all runs', () => {
    fc.assert(
      fc.property(runsArb, rulesArb, fc.nat(), (runs, rules, cut) => {
        const k = cut % (runs.length + 1);
        expect(evaluateWestgard(runs.slice(0, k), rules)).toEqual(evaluateWestgard(runs, rules).slice(0, k));
      }),
    );
  });
});

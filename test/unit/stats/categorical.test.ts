import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  categoricalTarget,
  classifyRoundScore,
  concordancePercent,
  consensusTarget,
  DEFAULT_CATEGORICAL_PASS_PERCENT,
  evaluatedRoundScore,
  gradeCategorical,
  gradeNominal,
  gradeOrdinal,
  gradeQualitative,
  gradeSample,
  modeTarget,
  performanceHistory,
  roundScore,
  type CategoricalKind,
} from '../../../lib/stats';

// Grades as positions in the item's category list (0 = lowest / negative).
const NEG = 0; // negative / non-reactive
const POS = 1; // positive / reactive
// Urine dipstick: −, ±, 1+, 2+, 3+, 4+
const [DNEG, TRACE, P1, P2, P3, P4] = [0, 1, 2, 3, 4, 5];
// ABO: A, B, AB, O
const [A, B, AB, O] = [0, 1, 2, 3];

/** n answers of one grade and m of another. */
const answers = (n: number, g: number, m = 0, h = 0) => [...Array(n).fill(g), ...Array(m).fill(h)] as number[];

describe('consensusTarget — ≥ 80 % of participants (CLIA 42 CFR 493.927; DOMAIN.md §2)', () => {
  it.each([
    ['8 of 10 positive = exactly 80 % → consensus', answers(8, POS, 2, NEG), 80, { ok: true, grade: POS, basis: 'consensus', n: 10, agreeing: 8 }],
    ['7 of 10 = 70 % → no consensus', answers(7, POS, 3, NEG), 80, { ok: false, reason: 'no_consensus', n: 10, agreeing: 7 }],
    ['79 of 99 = 79.80 % (just below) → no consensus', answers(79, POS, 20, NEG), 80, { ok: false, reason: 'no_consensus', n: 99, agreeing: 79 }],
    ['80 of 100 = 80 % exactly → consensus', answers(80, NEG, 20, POS), 80, { ok: true, grade: NEG, basis: 'consensus', n: 100, agreeing: 80 }],
    ['4 of 5 = 80 % → consensus', answers(4, NEG, 1, POS), 80, { ok: true, grade: NEG, basis: 'consensus', n: 5, agreeing: 4 }],
    ['all 12 agree → consensus', answers(12, POS), 80, { ok: true, grade: POS, basis: 'consensus', n: 12, agreeing: 12 }],
    ['scheme at 90 %: 8 of 10 → no consensus', answers(8, POS, 2, NEG), 90, { ok: false, reason: 'no_consensus', n: 10, agreeing: 8 }],
    ['scheme at 90 %: 9 of 10 → consensus', answers(9, POS, 1, NEG), 90, { ok: true, grade: POS, basis: 'consensus', n: 10, agreeing: 9 }],
    ['scheme at 50 %: a 5/5 tie is never a consensus', answers(5, POS, 5, NEG), 50, { ok: false, reason: 'no_consensus', n: 10, agreeing: 5 }],
    ['no answers', [], 80, { ok: false, reason: 'no_answers', n: 0, agreeing: 0 }],
  ])('%s', (_t, grades, percent, expected) => {
    expect(consensusTarget(grades, percent)).toEqual(expected);
  });

  it('the boundary is exact in decimal terms: 66.7 % of 3 answers is 2.001, not reached by 2; 200/3 % is reached', () => {
    expect(consensusTarget(answers(2, POS, 1, NEG), 66.7).ok).toBe(false);
    expect(consensusTarget(answers(2, POS, 1, NEG), 200 / 3).ok).toBe(true);
  });

  it('fewer answers than the scheme minimum: too_few_results (nobody is graded against themselves)', () => {
    expect(consensusTarget(answers(7, POS), 80, 8)).toEqual({ ok: false, reason: 'too_few_results', n: 7, agreeing: 7 });
    expect(consensusTarget(answers(8, POS), 80, 8).ok).toBe(true);
  });

  it('refuses a percent outside (0, 100] and answers that are not grades', () => {
    expect(() => consensusTarget([1], 0)).toThrow(RangeError);
    expect(() => consensusTarget([1], 101)).toThrow(RangeError);
    expect(() => consensusTarget([-1], 80)).toThrow(RangeError);
    expect(() => consensusTarget([0.5], 80)).toThrow(RangeError);
  });
});

describe('modeTarget — the participants\' mode (NCCL urinalysis); multimodal → not evaluated', () => {
  it.each([
    ['one clear mode: 2+ ×5, 1+ ×3, 3+ ×2', [...answers(5, P2), ...answers(3, P1), ...answers(2, P3)], { ok: true, grade: P2, basis: 'mode', n: 10, agreeing: 5 }],
    ['a mode needs no majority: 1+ ×4 of 10', [...answers(4, P1), ...answers(3, P2), ...answers(3, TRACE)], { ok: true, grade: P1, basis: 'mode', n: 10, agreeing: 4 }],
    ['tie of adjacent grades 1+ ×4, 2+ ×4 → multimodal', [...answers(4, P1), ...answers(4, P2), ...answers(2, P3)], { ok: false, reason: 'multimodal', n: 10, agreeing: 4 }],
    ['tie of distant grades − ×3, 3+ ×3 → multimodal', [...answers(3, DNEG), ...answers(3, P3)], { ok: false, reason: 'multimodal', n: 6, agreeing: 3 }],
    ['no answers', [], { ok: false, reason: 'no_answers', n: 0, agreeing: 0 }],
  ])('%s', (_t, grades, expected) => {
    expect(modeTarget(grades)).toEqual(expected);
  });
});

describe('categoricalTarget — the intended result wins over the participants', () => {
  it('an intended result is the target even when every participant answered otherwise', () => {
    expect(categoricalTarget('qualitative', answers(10, NEG), POS)).toEqual({ ok: true, grade: POS, basis: 'intended', n: 10, agreeing: 0 });
    expect(categoricalTarget('ordinal', answers(10, P2), P1)).toEqual({ ok: true, grade: P1, basis: 'intended', n: 10, agreeing: 0 });
  });
  it('an intended result needs no participants at all', () => {
    expect(categoricalTarget('nominal', [], AB)).toEqual({ ok: true, grade: AB, basis: 'intended', n: 0, agreeing: 0 });
  });
  it('without one: consensus for qualitative and nominal, mode for ordinal', () => {
    const g = [...answers(5, P2), ...answers(3, P1), ...answers(2, P3)];
    expect(categoricalTarget('ordinal', g, null)).toMatchObject({ ok: true, grade: P2, basis: 'mode' });
    expect(categoricalTarget('qualitative', g, null)).toMatchObject({ ok: false, reason: 'no_consensus' });
    expect(categoricalTarget('nominal', answers(19, A, 1, B), null)).toMatchObject({ ok: true, grade: A, basis: 'consensus', agreeing: 19 });
  });
});

describe('gradeOrdinal — within ±1 grade; a negative target must be answered negative', () => {
  it.each([
    // [answer, target, expected, why]
    [P1, P2, true, '1+ for 2+: one grade below (lower end of ±1)'],
    [P3, P2, true, '3+ for 2+: one grade above (upper end of ±1)'],
    [TRACE, P2, false, '± for 2+: two grades below'],
    [P4, P2, false, '4+ for 2+: two grades above'],
    [P2, P2, true, 'exact'],
    [TRACE, DNEG, false, '± (trace) for a negative target fails'],
    [P1, DNEG, false, '1+ for a negative target fails'],
    [DNEG, DNEG, true, 'negative for negative'],
    [DNEG, TRACE, true, 'negative for ±: one grade below (lowest end of the scale)'],
    [P1, TRACE, true, '1+ for ±'],
    [P3, P4, true, '3+ for 4+: one below the top grade'],
    [P4, P4, true, '4+ for 4+ (top end of the scale)'],
    [P2, P4, false, '2+ for 4+'],
  ])('answer %i for target %i → %s (%s)', (answer, target, expected) => {
    expect(gradeOrdinal(answer, target)).toBe(expected);
  });

  it('the negative rule is a setting: switched off, ± for negative is within ±1', () => {
    expect(gradeOrdinal(TRACE, DNEG, { negativeMustBeNegative: false })).toBe(true);
    expect(gradeOrdinal(P1, DNEG, { negativeMustBeNegative: false })).toBe(false);
  });

  it('a scale without a negative grade (urine pH 5.0 … 8.5) uses the tolerance only', () => {
    expect(gradeOrdinal(1, 0, { negativeGrade: null })).toBe(true);
  });

  it('tolerance is a setting: ±2 dilutions (CAP titres) and 0 (exact)', () => {
    expect(gradeOrdinal(5, 3, { tolerance: 2 })).toBe(true);
    expect(gradeOrdinal(6, 3, { tolerance: 2 })).toBe(false);
    expect(gradeOrdinal(4, 3, { tolerance: 0 })).toBe(false);
    expect(() => gradeOrdinal(1, 1, { tolerance: 1.5 })).toThrow(RangeError);
  });
});

describe('qualitative and nominal: exact agreement', () => {
  it.each([
    [POS, POS, true],
    [NEG, POS, false],
    [POS, NEG, false],
    [NEG, NEG, true],
  ])('qualitative answer %i for target %i → %s', (a, t, e) => expect(gradeQualitative(a, t)).toBe(e));
  it.each([
    [A, A, true],
    [AB, A, false],
    [O, B, false],
  ])('ABO answer %i for target %i → %s', (a, t, e) => expect(gradeNominal(a, t)).toBe(e));
  it('nominal never uses the ordinal tolerance (B is one position from A and still wrong)', () => {
    expect(gradeCategorical('nominal', B, A, { ordinalTolerance: 1, negativeMustBeNegative: true })).toBe(false);
    expect(gradeCategorical('ordinal', B, A, { ordinalTolerance: 1, negativeMustBeNegative: false })).toBe(true);
  });
});

describe('round score and verdict per kind (reusing the quantitative functions)', () => {
  it('blood group: 19 of 20 correct is 95 % and fails a 100 % event (42 CFR 493.859)', () => {
    const score = roundScore([...Array(19).fill(true), false]);
    expect(score).toBe(95);
    expect(classifyRoundScore(score, DEFAULT_CATEGORICAL_PASS_PERCENT.nominal)).toBe('unsatisfactory');
    expect(classifyRoundScore(roundScore(Array(20).fill(true)), DEFAULT_CATEGORICAL_PASS_PERCENT.nominal)).toBe('satisfactory');
  });
  it('qualitative 4 of 5 passes at 80 %, 3 of 5 does not', () => {
    expect(classifyRoundScore(roundScore([true, true, true, true, false]), DEFAULT_CATEGORICAL_PASS_PERCENT.qualitative)).toBe('satisfactory');
    expect(classifyRoundScore(roundScore([true, true, true, false, false]), DEFAULT_CATEGORICAL_PASS_PERCENT.qualitative)).toBe('unsatisfactory');
  });
  it('a sample without consensus counts neither way: 4 acceptable of 4 evaluated (1 not evaluated) = 100 %', () => {
    const samples = [
      gradeSample('qualitative', answers(10, POS), null),
      gradeSample('qualitative', answers(6, POS, 4, NEG), null), // 60 %: no consensus
      gradeSample('qualitative', answers(9, NEG, 1, POS), null),
      gradeSample('qualitative', answers(10, POS), null),
      gradeSample('qualitative', answers(8, NEG, 2, POS), null),
    ];
    // the first lab's answers: index 0 of each sample
    const flags = samples.map((s) => s.acceptable[0]);
    expect(flags).toEqual([true, null, true, true, true]);
    expect(evaluatedRoundScore(flags)).toEqual({ score: 100, evaluated: 4, acceptable: 4 });
  });
  it('unsuccessful as for quantitative items: U, U → unsuccessful at event 2', () => {
    expect(performanceHistory(['unsatisfactory', 'unsatisfactory']).map((r) => r.unsuccessful)).toEqual([false, true]);
  });
  it('concordance rate: 19 of 20 → 95 %; nothing evaluated → null', () => {
    expect(concordancePercent(19, 20)).toBe(95);
    expect(concordancePercent(0, 0)).toBeNull();
    expect(() => concordancePercent(3, 2)).toThrow(RangeError);
  });
});

describe('gradeSample — hand-made rounds', () => {
  it('serology by consensus: 9 reactive, 1 non-reactive → the non-reactive lab fails', () => {
    const g = gradeSample('qualitative', [...answers(9, POS), NEG], null);
    expect(g.target).toMatchObject({ ok: true, grade: POS, basis: 'consensus' });
    expect(g.acceptable).toEqual([...Array(9).fill(true), false]);
  });
  it('dipstick by mode ±1: mode 2+; ± and 4+ fail, 1+ and 3+ pass', () => {
    const g = gradeSample('ordinal', [P2, P2, P2, P2, P1, P3, TRACE, P4], null);
    expect(g.target).toMatchObject({ ok: true, grade: P2, basis: 'mode', agreeing: 4 });
    expect(g.acceptable).toEqual([true, true, true, true, true, true, false, false]);
  });
  it('no consensus: every answer is not evaluated (null)', () => {
    const g = gradeSample('qualitative', answers(7, POS, 3, NEG), null);
    expect(g.target).toMatchObject({ ok: false, reason: 'no_consensus' });
    expect(g.acceptable).toEqual(Array(10).fill(null));
  });
});

describe('properties: relabelling or reordering participants does not change grades', () => {
  const kinds: CategoricalKind[] = ['qualitative', 'ordinal', 'nominal'];
  const round = fc.record({
    kind: fc.constantFrom(...kinds),
    grades: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }),
    intended: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
    percent: fc.integer({ min: 50, max: 100 }),
    tolerance: fc.integer({ min: 0, max: 2 }),
    negative: fc.boolean(),
  });

  it('each lab keeps its verdict whatever the order of the labs (a relabelling is a permutation)', () => {
    fc.assert(
      fc.property(round, fc.func(fc.integer()), ({ kind, grades, intended, percent, tolerance, negative }, key) => {
        const settings = { consensusPercent: percent, ordinalTolerance: tolerance, negativeMustBeNegative: negative, minAnswers: 1 };
        // labs 0..n-1 renamed by an arbitrary function, then sorted by their new names
        const labs = grades.map((g, lab) => ({ lab, g, name: key(lab) }));
        const shuffled = [...labs].sort((x, y) => x.name - y.name || x.lab - y.lab);
        const a = gradeSample(kind, labs.map((l) => l.g), intended, settings);
        const b = gradeSample(kind, shuffled.map((l) => l.g), intended, settings);
        expect(b.target).toEqual(a.target);
        shuffled.forEach((l, i) => expect(b.acceptable[i]).toBe(a.acceptable[l.lab]));
      }),
    );
  });

  it('renaming the categories of a qualitative or nominal item renames the target and keeps every verdict', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        fc.shuffledSubarray([0, 1, 2, 3], { minLength: 4, maxLength: 4 }),
        fc.constantFrom<CategoricalKind>('qualitative', 'nominal'),
        (grades, perm, kind) => {
          const a = gradeSample(kind, grades, null);
          const b = gradeSample(kind, grades.map((g) => perm[g]), null);
          expect(b.acceptable).toEqual(a.acceptable);
          expect(b.target.ok).toBe(a.target.ok);
          if (a.target.ok && b.target.ok) expect(b.target.grade).toBe(perm[a.target.grade]);
        },
      ),
    );
  });

  it('an answer equal to the target is always acceptable; a qualitative answer is acceptable only when equal', () => {
    fc.assert(
      fc.property(round, ({ kind, grades, intended, percent, tolerance, negative }) => {
        const g = gradeSample(kind, grades, intended, { consensusPercent: percent, ordinalTolerance: tolerance, negativeMustBeNegative: negative, minAnswers: 1 });
        if (!g.target.ok) return;
        const t = g.target.grade;
        grades.forEach((x, i) => {
          if (x === t) expect(g.acceptable[i]).toBe(true);
          if (kind !== 'ordinal') expect(g.acceptable[i]).toBe(x === t);
          else expect(g.acceptable[i]).toBe(Math.abs(x - t) <= tolerance && !(negative && t === 0 && x !== 0));
        });
      }),
    );
  });
});

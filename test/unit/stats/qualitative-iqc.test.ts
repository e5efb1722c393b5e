// Qualitative IQC judgement (DOMAIN.md §4; CLIA 493.1256(d)(3)(ii)): hand-made tables of control
// readings against their expected categories, and the Westgard evaluator keeping a run rejected for
// another reason out of the signal history.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWestgardEvaluator, judgeCategoryReadings, ORDINAL_IQC_GRADE_TOLERANCE, QUAL_MISMATCH_RULE, readingWithinExpected } from '@/lib/stats';

describe('readingWithinExpected', () => {
  it.each([
    // qualitative: grade 0 = negative, 1 = positive
    ['negative control read negative', 'qualitative', 0, 0, true],
    ['reactive negative control', 'qualitative', 1, 0, false],
    ['weak-positive control read positive', 'qualitative', 1, 1, true],
    ['non-reactive positive control', 'qualitative', 0, 1, false],
    // ordinal dipstick: 0 −, 1 ±, 2 1+, 3 2+, 4 3+
    ['ordinal control at its grade (2+)', 'ordinal', 3, 3, true],
    ['ordinal control one grade above (3+ for 2+)', 'ordinal', 4, 3, false],
    ['ordinal control one grade below (1+ for 2+)', 'ordinal', 2, 3, false],
    ['ordinal negative control read ±', 'ordinal', 1, 0, false],
    // nominal: A=0, B=1, AB=2, O=3
    ['blood group control A read A', 'nominal', 0, 0, true],
    ['blood group control AB read B', 'nominal', 1, 2, false],
  ] as const)('%s', (_title, kind, grade, expectedGrade, within) => {
    expect(readingWithinExpected({ level: 'C', grade, expectedGrade }, kind)).toBe(within);
  });

  it('tolerates no grade by default; with a tolerance of 1 an ordinal control may read ±1 grade, a negative control never', () => {
    expect(ORDINAL_IQC_GRADE_TOLERANCE).toBe(0);
    expect(readingWithinExpected({ level: 'C', grade: 4, expectedGrade: 3 }, 'ordinal', 1)).toBe(true);
    expect(readingWithinExpected({ level: 'C', grade: 2, expectedGrade: 3 }, 'ordinal', 1)).toBe(true);
    expect(readingWithinExpected({ level: 'C', grade: 5, expectedGrade: 3 }, 'ordinal', 1)).toBe(false);
    expect(readingWithinExpected({ level: 'C', grade: 1, expectedGrade: 0 }, 'ordinal', 1)).toBe(false);
    // the tolerance is for ordinal grades only: a qualitative or nominal control must agree exactly
    expect(readingWithinExpected({ level: 'C', grade: 2, expectedGrade: 1 }, 'qualitative', 1)).toBe(false);
    expect(readingWithinExpected({ level: 'C', grade: 2, expectedGrade: 1 }, 'nominal', 1)).toBe(false);
  });

  it('refuses grades that are not whole numbers ≥ 0 (an unknown category is the caller\'s to report)', () => {
    expect(() => readingWithinExpected({ level: 'C', grade: -1, expectedGrade: 0 }, 'qualitative')).toThrow(RangeError);
    expect(() => readingWithinExpected({ level: 'C', grade: 0.5, expectedGrade: 0 }, 'ordinal')).toThrow(RangeError);
  });
});

describe('judgeCategoryReadings', () => {
  it('rejects a run when any control reads outside its category, naming those levels', () => {
    expect(
      judgeCategoryReadings(
        [
          { level: 'NEG', grade: 1, expectedGrade: 0 },
          { level: 'POS', grade: 1, expectedGrade: 1 },
        ],
        'qualitative',
      ),
    ).toEqual({ status: 'rejected', mismatched: ['NEG'] });
    expect(
      judgeCategoryReadings(
        [
          { level: 'NEG', grade: 1, expectedGrade: 0 },
          { level: 'POS', grade: 0, expectedGrade: 1 },
        ],
        'qualitative',
      ),
    ).toEqual({ status: 'rejected', mismatched: ['NEG', 'POS'] });
    expect(
      judgeCategoryReadings(
        [
          { level: 'NEG', grade: 0, expectedGrade: 0 },
          { level: 'POS', grade: 1, expectedGrade: 1 },
        ],
        'qualitative',
      ),
    ).toEqual({ status: 'accepted', mismatched: [] });
    expect(QUAL_MISMATCH_RULE).toBe('qual-mismatch');
  });

  it('does not depend on the order of the readings except for the order of the levels named (property test)', () => {
    const reading = fc.record({ level: fc.constantFrom('1', '2', '3', 'N', 'P'), grade: fc.integer({ min: 0, max: 5 }), expectedGrade: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 6 }), fc.constantFrom('qualitative', 'ordinal', 'nominal' as const), (rs, kind) => {
        const a = judgeCategoryReadings(rs, kind);
        const b = judgeCategoryReadings([...rs].reverse(), kind);
        expect(b.status).toBe(a.status);
        expect([...b.mismatched].sort()).toEqual([...a.mismatched].sort());
        expect(a.status === 'rejected').toBe(rs.some((r) => r.grade !== r.expectedGrade));
      }),
    );
  });
});

describe('createWestgardEvaluator: a run rejected for another reason', () => {
  it('is judged on its values but kept out of the history (the next +2.5 SD value is 1-2s only, not 2-2s)', () => {
    const ev = createWestgardEvaluator();
    const first = ev.judge({ id: 'r1', values: [{ level: 'P', z: 2.5 }] }, ['1-2s', '1-3s', '2-2s'], true);
    expect(first.status).toBe('warning');
    const second = ev.judge({ id: 'r2', values: [{ level: 'P', z: 2.5 }] }, ['1-2s', '1-3s', '2-2s']);
    expect(second.violations.map((v) => v.rule)).toEqual(['1-2s']);
    // without the flag the first value stays in the history and 2-2s fires across runs
    const plain = createWestgardEvaluator();
    plain.judge({ id: 'r1', values: [{ level: 'P', z: 2.5 }] }, ['1-2s', '1-3s', '2-2s']);
    expect(plain.judge({ id: 'r2', values: [{ level: 'P', z: 2.5 }] }, ['1-2s', '1-3s', '2-2s']).violations.map((v) => v.rule)).toEqual(['1-2s', '2-2s']);
  });
});

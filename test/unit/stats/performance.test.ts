import { describe, expect, it } from 'vitest';
import { classifyRoundScore, performanceHistory, roundScore, type RoundVerdict } from '../../../lib/stats';

const Y = true;
const N = false;

describe('roundScore — acceptable / samples × 100 (CLIA 42 CFR 493 Subpart I; DOMAIN.md §2)', () => {
  it.each([
    ['Y N Y N Y (potassium example, DOMAIN.md §2) → 60', [Y, N, Y, N, Y], 60],
    ['all 5 acceptable → 100', [Y, Y, Y, Y, Y], 100],
    ['4 of 5 → exactly 80 (the passing score)', [Y, Y, Y, Y, N], 80],
    ['not submitted: every sample false → 0', [N, N, N, N, N], 0],
    ['1 of 3 → 33.33…', [Y, N, N], 100 / 3],
  ])('%s', (_title, flags, expected) => {
    expect(roundScore(flags)).toBe(expected);
  });

  it('no samples throws: a round without samples is a configuration error, not a 0', () => {
    expect(() => roundScore([])).toThrow(RangeError);
  });
});

describe('classifyRoundScore — below 80 % is unsatisfactory (100 % for blood-group typing)', () => {
  it.each([
    [100, 80, 'satisfactory'],
    [80, 80, 'satisfactory'], // exactly at the pass mark
    [roundScore([Y, Y, Y, Y, N]), 80, 'satisfactory'],
    [79.99, 80, 'unsatisfactory'],
    [60, 80, 'unsatisfactory'],
    [0, 80, 'unsatisfactory'],
    [100, 100, 'satisfactory'], // blood group: 100 % needed
    [80, 100, 'unsatisfactory'],
  ])('score %f with pass mark %f → %s', (score, pass, expected) => {
    expect(classifyRoundScore(score, pass)).toBe(expected);
  });

  it('defaults to the 80 % pass mark', () => {
    expect(classifyRoundScore(80)).toBe('satisfactory');
    expect(classifyRoundScore(60)).toBe('unsatisfactory');
  });
});

describe('performanceHistory — unsuccessful: unsatisfactory in 2 consecutive or 2 of 3 consecutive events (CLIA 42 CFR 493.2)', () => {
  const S: RoundVerdict = 'satisfactory';
  const U: RoundVerdict = 'unsatisfactory';

  it.each<[string, RoundVerdict[], boolean[], (string | null)[]]>([
    // DOMAIN.md §2 histories
    ['S,U,S,U → unsuccessful at event 4 (two of three)', [S, U, S, U], [N, N, N, Y], [null, null, null, 'two of three']],
    ['U,U,S → unsuccessful at event 2 (two consecutive)', [U, U, S], [N, Y, N], [null, 'two consecutive', null]],
    ['U,S,S,U → never', [U, S, S, U], [N, N, N, N], [null, null, null, null]],
    // hand cases
    ['U,U,U → events 2 and 3', [U, U, U], [N, Y, Y], [null, 'two consecutive', 'two consecutive']],
    ['S,U,S,S,U → never (the two U are 4 events apart)', [S, U, S, S, U], [N, N, N, N, N], [null, null, null, null, null]],
    ['a single U → not unsuccessful', [U], [N], [null]],
    ['no events → empty', [], [], []],
  ])('%s', (_title, verdicts, unsuccessful, reasons) => {
    const history = performanceHistory(verdicts);
    expect(history.map((r) => r.unsuccessful)).toEqual(unsuccessful);
    expect(history.map((r) => r.reason)).toEqual(reasons);
    expect(history.map((r) => r.verdict)).toEqual(verdicts);
  });

  it('an unknown verdict throws', () => {
    expect(() => performanceHistory(['satisfactory', 'passed' as RoundVerdict])).toThrow(RangeError);
  });
});

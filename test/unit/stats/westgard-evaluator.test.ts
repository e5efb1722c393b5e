// createWestgardEvaluator: one run at a time, looking back over values per level (DOMAIN.md §4),
// with rejected runs left out of the history. Expected values: hand counts of the example
// (issue 9 case 2) and the definition written out with evaluateWestgard.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWestgardEvaluator, evaluateWestgard, type RunInput, type RunVerdict, type WestgardRule } from '@/lib/stats';

const TWO_LEVEL: WestgardRule[] = ['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x'];
const THREE_LEVEL: WestgardRule[] = ['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x'];

const z = fc.double({ min: -4.5, max: 4.5, noNaN: true });
/** Runs where each of three levels is present or not (at least one per run). */
const runs = fc
  .array(fc.tuple(z, z, z, fc.integer({ min: 1, max: 7 })), { minLength: 1, maxLength: 80 })
  .map((xs) =>
    xs.map(([a, b, c, mask], i): RunInput => ({
      id: `r${i}`,
      values: [
        ...(mask & 1 ? [{ level: '1', z: a }] : []),
        ...(mask & 2 ? [{ level: '2', z: b }] : []),
        ...(mask & 4 ? [{ level: '3', z: c }] : []),
      ],
    })),
  );

/** The definition: each run judged after every earlier run that was not rejected. */
function reference(sequence: RunInput[], rules: WestgardRule[]): RunVerdict[] {
  const kept: RunInput[] = [];
  return sequence.map((run) => {
    const v = evaluateWestgard([...kept, run], rules).at(-1)!;
    if (v.status !== 'rejected') kept.push(run);
    return v;
  });
}

const sortLevels = (v: RunVerdict) => ({ ...v, violations: v.violations.map((x) => ({ ...x, levels: [...x.levels].sort() })) });

describe('createWestgardEvaluator', () => {
  it.each([[TWO_LEVEL], [THREE_LEVEL]])('with keepRejected gives exactly evaluateWestgard (%j, property test)', (rules) => {
    fc.assert(
      fc.property(runs, (sequence) => {
        const ev = createWestgardEvaluator({ keepRejected: true });
        expect(sequence.map((r) => ev.judge(r, rules))).toEqual(evaluateWestgard(sequence, rules));
      }),
      { numRuns: 150 },
    );
  });

  it.each([[TWO_LEVEL], [THREE_LEVEL]])('by default judges each run after the runs that were not rejected (%j, property test)', (rules) => {
    fc.assert(
      fc.property(runs, (sequence) => {
        const ev = createWestgardEvaluator();
        // (levels are listed in the order first seen: a rejected run may have shown one first)
        expect(sequence.map((r) => ev.judge(r, rules)).map(sortLevels)).toEqual(reference(sequence, rules).map(sortLevels));
      }),
      { numRuns: 150 },
    );
  });

  it('issue 9: a level present every other run, always at +0.5 SD, is rejected by 10x on its 10th value', () => {
    // level 1 at 0 every run (z = 0 breaks the flattened streak); level 2 at +0.5 in runs 0, 2, 4, …
    const ev = createWestgardEvaluator();
    const verdicts = Array.from({ length: 20 }, (_, i) =>
      ev.judge({ id: `r${i}`, values: i % 2 ? [{ level: '1', z: 0 }] : [{ level: '1', z: 0 }, { level: '2', z: 0.5 }] }, TWO_LEVEL),
    );
    // level 2's 10th value is in run 18 (runs 0, 2, …, 18); 12 runs back would hold only 6 of its values
    expect(verdicts.findIndex((v) => v.status === 'rejected')).toBe(18);
    expect(verdicts[18].violations).toEqual([expect.objectContaining({ rule: '10x', levels: ['2'], scopes: ['across-runs'] })]);
  });

  it('leaves a rejected run out of the history: +3.5 then +2.4 on one level is 1-3s then only a warning', () => {
    const ev = createWestgardEvaluator();
    expect(ev.judge({ id: 'a', values: [{ level: '1', z: 3.5 }] }, TWO_LEVEL).status).toBe('rejected');
    expect(ev.judge({ id: 'b', values: [{ level: '1', z: 2.4 }] }, TWO_LEVEL)).toMatchObject({ status: 'warning', violations: [{ rule: '1-2s' }] });
    // and with keepRejected the +3.5 counts: 2-2s across runs
    const all = createWestgardEvaluator({ keepRejected: true });
    all.judge({ id: 'a', values: [{ level: '1', z: 3.5 }] }, TWO_LEVEL);
    expect(all.judge({ id: 'b', values: [{ level: '1', z: 2.4 }] }, TWO_LEVEL).violations.map((v) => v.rule)).toEqual(['1-2s', '2-2s']);
  });

  it('remembers context runs without judging them; each run may have its own rule set', () => {
    const ev = createWestgardEvaluator();
    for (let i = 0; i < 3; i++) ev.remember({ id: `c${i}`, values: [{ level: '1', z: 1.5 }] });
    // 4-1s: three remembered values above +1 and this one
    expect(ev.judge({ id: 'x', values: [{ level: '1', z: 1.2 }] }, ['1-3s']).status).toBe('accepted');
    expect(ev.judge({ id: 'y', values: [{ level: '1', z: 1.1 }] }, ['4-1s'])).toMatchObject({ status: 'rejected', violations: [{ rule: '4-1s', levels: ['1'] }] });
  });

  it('refuses bad input like evaluateWestgard and keeps its history intact', () => {
    const ev = createWestgardEvaluator();
    ev.judge({ id: 'a', values: [{ level: '1', z: 2.5 }] }, TWO_LEVEL);
    expect(() => ev.judge({ id: 'b', values: [{ level: '1', z: 2.5 }, { level: '1', z: 0 }] }, TWO_LEVEL)).toThrow(RangeError);
    expect(() => ev.judge({ id: 'b', values: [{ level: '1', z: 1 }] }, ['2:2s' as WestgardRule])).toThrow(RangeError);
    // the refused run left nothing behind: 2-2s across runs still sees +2.5 as the previous value
    expect(ev.judge({ id: 'c', values: [{ level: '1', z: 2.6 }] }, TWO_LEVEL).violations.map((v) => v.rule)).toEqual(['1-2s', '2-2s']);
  });
});

describe('createWestgardEvaluator with lookbackRuns (what a reader of stored history reads)', () => {
  it('a level last measured more than lookbackRuns runs back starts afresh: 2-2s fires 3 runs later, not 4', () => {
    const judgeAfter = (gap: number) => {
      const ev = createWestgardEvaluator({ lookbackRuns: 3 });
      ev.judge({ id: 'a', values: [{ level: '1', z: 0 }, { level: '3', z: 2.5 }] }, TWO_LEVEL);
      for (let i = 0; i < gap; i++) ev.judge({ id: `g${i}`, values: [{ level: '1', z: 0 }] }, TWO_LEVEL);
      return ev.judge({ id: 'b', values: [{ level: '1', z: 0 }, { level: '3', z: 2.5 }] }, TWO_LEVEL).status;
    };
    // 'a' is 3 runs back after a gap of 2 runs: still seen
    expect(judgeAfter(2)).toBe('rejected');
    expect(judgeAfter(3)).toBe('warning');
  });

  it('the definition: each run judged after the last lookbackRuns runs kept (property test)', () => {
    fc.assert(
      fc.property(runs, fc.integer({ min: 1, max: 6 }), (sequence, lookback) => {
        const ev = createWestgardEvaluator({ lookbackRuns: lookback });
        const kept: RunInput[] = [];
        for (const run of sequence) {
          const expected = evaluateWestgard([...kept.slice(-lookback), run], TWO_LEVEL).at(-1)!;
          const got = ev.judge(run, TWO_LEVEL);
          expect(sortLevels(got)).toEqual(sortLevels(expected));
          if (got.status !== 'rejected') kept.push(run);
        }
      }),
    );
  });

  it('runs remembered without values count as runs of the history', () => {
    const ev = createWestgardEvaluator({ lookbackRuns: 2 });
    ev.remember({ id: 'a', values: [{ level: '1', z: 2.5 }] });
    ev.remember({ id: 'e1', values: [] });
    ev.remember({ id: 'e2', values: [] });
    expect(ev.judge({ id: 'b', values: [{ level: '1', z: 2.5 }] }, TWO_LEVEL).status).toBe('warning');
  });
});

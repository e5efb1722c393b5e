// The pure EQA evaluation (lib/services/eqa/engine.ts) on the small-group fixtures: what
// happens to 1 and 2 participants with and without a reference value, and peer-group keys.
import { describe, expect, it } from 'vitest';
import type { SubmissionTuple } from '@/db/queries/eqa-evaluation';
import { RESULT_GRADED, RESULT_NOT_EVALUATED, UNSPECIFIED, collectSubmissions, evaluateColumns, peerGroupKey, reasonCode } from '@/lib/services/eqa/engine';

// K as WS/T 403-2024 grades it: 0.2 mmol/L at or below 3.3, else 6 %
const K = { id: 1, code: 'K', limits: { ranges: [], spec: { percent: 6, absolute: 0.2, form: 'threshold' as const, threshold: 3.3 } }, minScore: 80 };
const SAMPLE = 10;

function run(values: number[], opts: { reference?: number; min?: number; sampleCodes?: Map<number, string>; methods?: string[] } = {}) {
  const rows: SubmissionTuple[] = values.map((v, i) => [i + 1, 100 + i, SAMPLE, K.id, v, opts.methods?.[i] ?? 'ISE', '']);
  return evaluateColumns({
    params: { sigmaPtSource: 'allowable_error', peerGrouping: 'method', minPeerGroupSize: opts.min ?? 8 },
    sampleIds: [SAMPLE],
    sampleCodes: opts.sampleCodes,
    analytes: [K],
    references: new Map(opts.reference !== undefined ? [[`${SAMPLE}:${K.id}`, { value: opts.reference, uncertainty: null }]] : []),
    submissions: collectSubmissions(rows, 'method'),
    participantLabIds: values.map((_, i) => 100 + i),
    history: new Map(),
  });
}

describe('small groups (issue 9, item 4)', () => {
  it('1 participant without a reference value: not evaluated (too_few_results, n = 1), no score — not 100 % against itself', () => {
    const out = run([4.0]);
    expect(out.results.status[0]).toBe(RESULT_NOT_EVALUATED);
    expect(reasonCode(out.results.reason[0])).toBe('too_few_results');
    expect(out.results.reasonN[0]).toBe(1);
    expect(out.assigned).toEqual([]);
    expect(out.scores).toEqual([]);
  });

  it('2 participants at 4.0 and 5.0 without a reference value: neither is evaluated (today z = ±3.70 and both fail)', () => {
    const out = run([4.0, 5.0]);
    expect([...out.results.status]).toEqual([RESULT_NOT_EVALUATED, RESULT_NOT_EVALUATED]);
    expect(out.scores).toEqual([]);
  });

  it('with a reference value 4.5 both are graded against it: |±0.5| > 6 % × 4.5 = 0.27, score 0 %', () => {
    const out = run([4.0, 5.0], { reference: 4.5 });
    expect([...out.results.status]).toEqual([RESULT_GRADED, RESULT_GRADED]);
    expect([...out.results.acceptable]).toEqual([0, 0]);
    expect(out.results.allowed[0]).toBeCloseTo(0.27, 12);
    expect(out.scores.map((s) => [s.score, s.verdict, s.samples])).toEqual([
      [0, 'unsatisfactory', 1],
      [0, 'unsatisfactory', 1],
    ]);
  });

  it('at the minimum size the all-methods group grades: 8 results around 4.0 are all acceptable', () => {
    const out = run([3.96, 3.98, 3.99, 4.0, 4.0, 4.01, 4.02, 4.04]);
    expect(out.assigned.map((a) => [a.source, a.n])).toEqual([['peer_robust_mean', 8]]);
    expect([...out.results.acceptable]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(out.scores.every((s) => s.score === 100)).toBe(true);
  });
});

describe('where Algorithm A converges slowly', () => {
  it('five of ten at 10.00, 10.01, 9.99 and outliers at 17.77, 17.77, 4.34: the robust mean after ~1,000 updates, not the median', () => {
    // s* starts at 1.483 × 0.005 and grows by under 1 % per update; 1,000 updates were allowed
    // before, and the engine fell back to the median 10.00 with a note
    const out = run([10, 10, 10, 17.77, 4.34, 10, 10, 17.77, 10.01, 9.99]);
    const [assigned] = out.assigned;
    expect(assigned.source).toBe('peer_robust_mean');
    expect(assigned.assignedValue.toFixed(4)).toBe('10.9865');
    expect(assigned.robustSd?.toFixed(4)).toBe('4.5173');
    expect(assigned.iterations).toBeGreaterThan(1000);
    expect(out.notes.some((n) => /median used/.test(n))).toBe(false);
  });
});

describe('where Algorithm A cannot run', () => {
  it('MAD = 0 (six of ten at 4.00): the median is assigned and labelled as the median, not as a robust mean, with no robust SD', () => {
    const out = run([4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.9, 4.1, 4.2, 3.8]);
    expect(out.assigned.map((a) => [a.source, a.assignedValue, a.robustSd, a.uAssigned])).toEqual([['peer_median', 4.0, null, null]]);
    expect(out.notes.some((n) => /median used/.test(n))).toBe(true);
  });

  it('the all-methods group alike (two methods of five, below the minimum of 8): all_median', () => {
    const out = run([4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.9, 4.1, 4.2, 3.8], { methods: ['ISE', 'IND', 'ISE', 'IND', 'ISE', 'IND', 'ISE', 'IND', 'ISE', 'IND'] });
    expect(out.assigned.map((a) => [a.source, a.assignedValue, a.n])).toEqual([['all_median', 4.0, 10]]);
  });
});

describe('the evaluation\'s notes', () => {
  it('name a sample by its code in the round, not by its row id', () => {
    const out = run([4.0, 4.1, 4.2], { sampleCodes: new Map([[SAMPLE, 'PRB2-01']]) });
    expect(out.notes).toEqual([expect.stringMatching(/^K sample PRB2-01: not evaluated, 3 result\(s\)/)]);
    expect(run([4.0, 4.1, 4.2]).notes).toEqual([expect.stringMatching(/^K sample 10: /)]);
  });
});

describe('peerGroupKey — method names normalised; blank is unspecified', () => {
  it.each([
    ['method', 'Hexokinase', '', 'hexokinase'],
    ['method', '  HEXOKINASE  ', 'x', 'hexokinase'],
    ['method', 'ISE   indirect', '', 'ise indirect'],
    ['method', '', 'AU5800', UNSPECIFIED],
    ['method', '   ', '', UNSPECIFIED],
    ['method_instrument', 'ISE', ' AU5800 ', 'ise | au5800'],
    ['method_instrument', 'ISE', '', UNSPECIFIED],
  ] as const)('%s: %j / %j → %j', (grouping, method, instrument, expected) => {
    expect(peerGroupKey(grouping, method, instrument)).toBe(expected);
  });
});

describe('a sample × analyte no limit grades counts for nobody (DOMAIN.md §2: skipped, not U)', () => {
  // limits for concentrations up to 10 only, no fallback: a sample at 50 has no limit
  const LOW = { id: 2, code: 'LOW', limits: { ranges: [{ from: null, to: 10, spec: { percent: 10 } }], spec: null }, minScore: 80 };
  const samples = [11, 12, 13, 14, 15];
  const references = new Map(samples.map((s) => [`${s}:${LOW.id}`, { value: s < 14 ? 5 : 50, uncertainty: null }]));
  const evaluate = (rows: SubmissionTuple[], participants: number[], refs = references) =>
    evaluateColumns({
      params: { sigmaPtSource: 'allowable_error', peerGrouping: 'method', minPeerGroupSize: 8 },
      sampleIds: samples,
      analytes: [LOW],
      references: refs,
      submissions: collectSubmissions(rows, 'method'),
      participantLabIds: participants,
      history: new Map(),
    });
  const scoreOf = (out: ReturnType<typeof evaluate>, lab: number) => out.scores.find((s) => s.labId === lab);

  it('a lab that did not submit the two samples without a limit scores as one that did: 3 of 3, satisfactory (was 3 of 5, 60 %)', () => {
    let id = 1;
    const rows: SubmissionTuple[] = [];
    for (const s of samples) rows.push([id++, 100, s, LOW.id, s < 14 ? 5 : 50, 'M', '']);
    for (const s of samples.slice(0, 3)) rows.push([id++, 200, s, LOW.id, 5, 'M', '']);
    const out = evaluate(rows, [100, 200]);
    expect(scoreOf(out, 100)).toMatchObject({ samples: 3, acceptableCount: 3, score: 100, verdict: 'satisfactory' });
    expect(scoreOf(out, 200)).toMatchObject({ samples: 3, acceptableCount: 3, score: 100, verdict: 'satisfactory', notSubmitted: false });
  });

  it('an analyte no limit grades at all gives no score to anyone, the enrolled lab that submitted nothing included (was 0 %, unsatisfactory)', () => {
    const high = new Map(samples.map((s) => [`${s}:${LOW.id}`, { value: 50, uncertainty: null }]));
    let id = 1;
    const rows: SubmissionTuple[] = [];
    for (let lab = 100; lab < 108; lab++) for (const s of samples) rows.push([id++, lab, s, LOW.id, 50, 'M', '']);
    const out = evaluate(rows, [100, 101, 102, 103, 104, 105, 106, 107, 300], high);
    expect(out.scores).toEqual([]);
  });

  it('a sample whose consensus lies where a limit applies still counts against a lab that did not submit it', () => {
    let id = 1;
    const rows: SubmissionTuple[] = [];
    // no reference values: 8 labs' consensus at 5 grades every sample
    for (let lab = 100; lab < 108; lab++) for (const s of samples) rows.push([id++, lab, s, LOW.id, 5 + (lab - 104) * 0.01, 'M', '']);
    for (const s of samples.slice(0, 3)) rows.push([id++, 200, s, LOW.id, 5, 'M', '']);
    const out = evaluate(rows, [200], new Map());
    expect(scoreOf(out, 200)).toMatchObject({ samples: 5, acceptableCount: 3, score: 60, verdict: 'unsatisfactory' });
  });
});

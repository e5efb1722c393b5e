// The categorical step of the pure EQA evaluation (grading-categorical.ts) beside a quantitative item:
// targets per sample, verdicts, scores at the kind's pass mark; the negative grade of catalogue scales;
// and the property that relabelling the participating labs changes no lab's verdicts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SubmissionTuple } from '@/db/queries/eqa-evaluation';
import { RESULT_GRADED, RESULT_IGNORED, RESULT_NOT_EVALUATED, collectSubmissions, evaluateColumns, reasonCode, sampleAnalyteKey, type EngineCategoricalItem } from '@/lib/services/eqa/engine';
import { negativeGradeOf, passPercentOf } from '@/lib/services/eqa/categorical-setup';
import { DEFAULT_CATEGORICAL_SETTINGS } from '@/lib/stats';

const K = { id: 1, code: 'K', limits: { ranges: [], spec: { percent: 6 } }, minScore: 80 };
const HBSAG: EngineCategoricalItem = { id: 2, code: 'HBSAG', kind: 'qualitative', categories: ['negative', 'positive'], negativeGrade: 0, minScore: 80 };
const UPRO: EngineCategoricalItem = { id: 3, code: 'U_PRO', kind: 'ordinal', categories: ['negative', 'trace', '1+', '2+', '3+', '4+'], negativeGrade: 0, minScore: 80 };
const ABO: EngineCategoricalItem = { id: 4, code: 'ABO_FWD', kind: 'nominal', categories: ['A', 'B', 'AB', 'O'], negativeGrade: null, minScore: 100 };
const ITEMS = [HBSAG, UPRO, ABO];
const [S1, S2] = [10, 11];

/** answers[item id][sample] = grades of labs 100, 101, … */
function run(answers: [number, number, number[]][], opts: { intended?: [number, number, number][]; labIds?: (i: number) => number; min?: number } = {}) {
  const labOf = opts.labIds ?? ((i: number) => 100 + i);
  let id = 1;
  const rows: SubmissionTuple[] = [];
  const labs = new Set<number>();
  for (const [analyte, sample, grades] of answers) {
    grades.forEach((g, i) => {
      rows.push([id++, labOf(i), sample, analyte, g, '', '']);
      labs.add(labOf(i));
    });
  }
  const cols = collectSubmissions(rows, 'method');
  const out = evaluateColumns({
    params: { sigmaPtSource: 'allowable_error', peerGrouping: 'method', minPeerGroupSize: opts.min ?? 1 },
    sampleIds: [S1, S2],
    analytes: [K],
    references: new Map(),
    submissions: cols,
    participantLabIds: [...labs],
    history: new Map(),
    categorical: {
      items: ITEMS,
      settings: { ...DEFAULT_CATEGORICAL_SETTINGS, minAnswers: opts.min ?? 1 },
      intended: new Map((opts.intended ?? []).map(([a, s, g]) => [sampleAnalyteKey(s, a), g])),
    },
  });
  return Object.assign(out, { cols });
}

/** Per lab × item: [score, verdict, samples] from an engine output. */
const scoresOf = (out: ReturnType<typeof run>) => new Map(out.scores.map((s) => [`${s.labId}:${s.analyteId}`, [s.score, s.verdict, s.samples]]));

describe('categorical items in the engine', () => {
  it('a qualitative item: S1 by 80 % consensus, S2 without consensus → scores over S1 only', () => {
    const out = run([
      [HBSAG.id, S1, [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]],
      [HBSAG.id, S2, [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]],
    ]);
    expect(out.categoryTargets.map((t) => [t.sampleId, t.analyteId, t.targetCategory, t.basis, t.n, t.agreeing, t.reason]).filter((t) => t[1] === HBSAG.id)).toEqual([
      [S1, HBSAG.id, 'positive', 'consensus', 10, 8, null],
      [S2, HBSAG.id, null, null, 10, 7, 'no_consensus'],
    ]);
    const s = scoresOf(out);
    expect(s.get(`100:${HBSAG.id}`)).toEqual([100, 'satisfactory', 1]);
    expect(s.get(`108:${HBSAG.id}`)).toEqual([0, 'unsatisfactory', 1]);
    // every S2 answer: not evaluated because of no consensus
    const s2 = [...out.results.status.keys()].filter((i) => out.results.targetIndex[i] >= 0 && out.categoryTargets[out.results.targetIndex[i]].sampleId === S2);
    expect(s2).toHaveLength(10);
    for (const i of s2) {
      expect(out.results.status[i]).toBe(RESULT_NOT_EVALUATED);
      expect(reasonCode(out.results.reason[i])).toBe('no_consensus');
    }
  });

  it('the blood-group pass mark (100 %) decides: 1 of 2 samples wrong is unsatisfactory', () => {
    const out = run([
      [ABO.id, S1, [0, 0]],
      [ABO.id, S2, [3, 2]],
    ], { intended: [[ABO.id, S1, 0], [ABO.id, S2, 3]] });
    const s = scoresOf(out);
    expect(s.get(`100:${ABO.id}`)).toEqual([100, 'satisfactory', 2]);
    expect(s.get(`101:${ABO.id}`)).toEqual([50, 'unsatisfactory', 2]);
  });

  it('an intended result nobody answered still counts: the non-answering lab scores it as not acceptable', () => {
    const out = run([[UPRO.id, S1, [3, 3]]], { intended: [[UPRO.id, S2, 0]] });
    expect(out.categoryTargets.find((t) => t.analyteId === UPRO.id && t.sampleId === S2)).toMatchObject({ targetCategory: 'negative', basis: 'intended', n: 0 });
    expect(scoresOf(out).get(`100:${UPRO.id}`)).toEqual([50, 'unsatisfactory', 2]);
  });

  it('a grade outside the item’s categories is not evaluated (unknown_category) and left out of the mode', () => {
    const out = run([[UPRO.id, S1, [3, 3, 9]]]);
    const i = [...out.results.status.keys()].find((k) => out.results.status[k] === RESULT_NOT_EVALUATED)!;
    expect(reasonCode(out.results.reason[i])).toBe('unknown_category');
    expect(out.categoryTargets.find((t) => t.analyteId === UPRO.id && t.sampleId === S1)).toMatchObject({ targetCategory: '2+', basis: 'mode', n: 2, agreeing: 2 });
  });

  it('fewer answers than the minimum group size and no intended result: too_few_results', () => {
    const out = run([[HBSAG.id, S1, [1, 1, 1]]], { min: 8 });
    expect(out.categoryTargets.find((t) => t.analyteId === HBSAG.id && t.sampleId === S1)).toMatchObject({ targetCategory: null, reason: 'too_few_results', n: 3 });
    expect(out.scores.filter((s) => s.analyteId === HBSAG.id)).toEqual([]);
  });

  it('without categorical input the quantitative engine is unchanged: categorical rows are ignored', () => {
    const rows: SubmissionTuple[] = [[1, 100, S1, HBSAG.id, 1, '', '']];
    const out = evaluateColumns({
      params: { sigmaPtSource: 'allowable_error', peerGrouping: 'method', minPeerGroupSize: 8 },
      sampleIds: [S1],
      analytes: [K],
      references: new Map(),
      submissions: collectSubmissions(rows, 'method'),
      participantLabIds: [100],
      history: new Map(),
    });
    expect(out.results.status[0]).toBe(RESULT_IGNORED);
    expect(out.categoryTargets).toEqual([]);
  });

  it('property: relabelling the labs (any injective renaming) gives every lab the same verdicts, scores and targets', () => {
    const grades = (max: number) => fc.array(fc.integer({ min: 0, max }), { minLength: 10, maxLength: 10 });
    fc.assert(
      fc.property(grades(1), grades(1), grades(5), grades(5), grades(3), fc.uniqueArray(fc.integer({ min: 1, max: 90_000 }), { minLength: 10, maxLength: 10 }), (q1, q2, o1, o2, n1, newIds) => {
        const answers: [number, number, number[]][] = [
          [HBSAG.id, S1, q1],
          [HBSAG.id, S2, q2],
          [UPRO.id, S1, o1],
          [UPRO.id, S2, o2],
          [ABO.id, S1, n1],
        ];
        const a = run(answers);
        const b = run(answers, { labIds: (i) => newIds[i] });
        // everything a lab gets, keyed by its position (the lab before and after renaming)
        const perLab = (out: ReturnType<typeof run>, labOf: (i: number) => number) => {
          const index = new Map(Array.from({ length: 10 }, (_, i) => [labOf(i), i]));
          const c = out.cols;
          const res: string[] = [];
          for (let k = 0; k < c.n; k++) {
            res.push(`result ${index.get(c.lab[k])} ${c.analyte[k]} ${c.sample[k]} ${out.results.status[k]} ${out.results.acceptable[k]} ${out.results.reason[k]}`);
          }
          for (const s of out.scores) res.push(`score ${index.get(s.labId)} ${s.analyteId} ${s.score} ${s.verdict} ${s.samples}`);
          return res.sort();
        };
        expect(perLab(b, (i) => newIds[i])).toEqual(perLab(a, (i) => 100 + i));
        const targets = (out: ReturnType<typeof run>) => out.categoryTargets.map((t) => [t.sampleId, t.analyteId, t.targetCategory, t.basis, t.n, t.agreeing, t.reason]).sort();
        expect(targets(b)).toEqual(targets(a));
        expect([...b.results.status].filter((x) => x === RESULT_GRADED).length).toBe([...a.results.status].filter((x) => x === RESULT_GRADED).length);
      }),
      { numRuns: 60 },
    );
  });
});

describe('catalogue scales', () => {
  it.each([
    ['dipstick − ± 1+ …', [{ code: 'negative', aliases: ['neg', '-'] }, { code: 'trace' }], 0],
    ['urobilinogen normal …', [{ code: 'normal' }, { code: '1+' }], 0],
    ['SARS-CoV-2 not detected / detected', [{ code: 'not_detected' }, { code: 'detected' }], 0],
    ['urine pH 5.0 … 9.0 (no negative)', [{ code: '5.0' }, { code: '5.5' }], null],
    ['titre 1:2 … (no negative)', [{ code: '1:2' }, { code: '1:4' }], null],
    ['ABO A, B, AB, O', [{ code: 'A' }, { code: 'B' }], null],
  ])('%s → negative grade %s', (_t, cats, expected) => {
    expect(negativeGradeOf(cats.map((c) => ({ nameEn: c.code, nameZh: c.code, ...c })))).toBe(expected);
  });

  it('pass marks per kind come from the scheme', () => {
    const scheme = { passPercentQualitative: 80, passPercentOrdinal: 70, passPercentNominal: 100, consensusPercent: 80, ordinalTolerance: 1, negativeMustBeNegative: true, minPeerGroupSize: 8 };
    expect([passPercentOf(scheme, 'qualitative'), passPercentOf(scheme, 'ordinal'), passPercentOf(scheme, 'nominal')]).toEqual([80, 70, 100]);
  });
});

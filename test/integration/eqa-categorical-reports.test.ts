// Reports of categorical EQA items (issue 12): a urine protein dipstick round (ordinal, mode ± 1
// grade, a negative target must be answered negative) read back as the lab's report (answer, target,
// accepted categories, grade distance), the distribution of answers per sample (counts only) and the
// regulator's concordance per item. Expected values are hand counts of the answers below.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSeededTestDb } from '../support/db';
import { AFTER_CLOSE, DAY, NOW, makeRound, makeScheme, type World } from './eqa-support';
import { rowsFromJson, submitResults } from '@/lib/services/eqa/submissions';
import { evaluateRound, publishRound } from '@/lib/services/eqa/evaluation';
import { labRoundReport, regulatorRoundReport, roundCsv } from '@/lib/services/eqa/reports';
import { acceptedCategories, sampleCategoryDistribution } from '@/lib/services/eqa/reports-categorical';
import { CATEGORY_SETS } from '@/lib/catalogue/category-sets';

const LABS = Array.from({ length: 10 }, (_, i) => `GZ-${String(i + 1).padStart(3, '0')}`);
// S1: mode 2+ (5 of 10); S2: mode negative (8 of 10); S3: 4 × 1+ and 4 × 2+ → multimodal, not evaluated
const ANSWERS: Record<string, string[]> = {
  S1: ['2+', '2+', '2+', '2+', '2+', '1+', '1+', '3+', 'trace', '4+'],
  S2: ['negative', 'negative', 'negative', 'negative', 'negative', 'negative', 'negative', 'negative', 'trace', '1+'],
  S3: ['1+', '1+', '1+', '1+', '2+', '2+', '2+', '2+', '3+', '3+'],
};

let w: World;

describe('accepted categories of a target (the chart’s green bars)', () => {
  const dipstick = CATEGORY_SETS.dipstick;
  const scheme = { consensusPercent: 80, ordinalTolerance: 1, negativeMustBeNegative: true, passPercentQualitative: 80, passPercentOrdinal: 80, passPercentNominal: 100, minPeerGroupSize: 8 };
  it.each([
    ['ordinal 2+ ± 1 grade', 'ordinal', dipstick, '2+', scheme, ['1+', '2+', '3+']],
    ['ordinal 4+ at the top end: 3+ and 4+', 'ordinal', dipstick, '4+', scheme, ['3+', '4+']],
    ['ordinal negative target: negative only', 'ordinal', dipstick, 'negative', scheme, ['negative']],
    ['ordinal negative target, rule off: negative and trace', 'ordinal', dipstick, 'negative', { ...scheme, negativeMustBeNegative: false }, ['negative', 'trace']],
    ['ordinal tolerance 0: the target only', 'ordinal', dipstick, '1+', { ...scheme, ordinalTolerance: 0 }, ['1+']],
    ['nominal blood group: exact', 'nominal', CATEGORY_SETS.abo, 'AB', scheme, ['AB']],
    ['qualitative: the target only', 'qualitative', CATEGORY_SETS.neg_pos, 'positive', scheme, ['positive']],
    ['no target: nothing', 'ordinal', dipstick, null, scheme, []],
  ] as const)('%s', (_t, kind, categories, target, s, expected) => {
    expect(acceptedCategories(kind, categories, target, s)).toEqual(expected);
  });
});

describe('a dipstick round in the lab’s report and the regulator’s summary', () => {
  beforeEach(async () => {
    w = await createSeededTestDb();
    await makeScheme(w, 'URINE', { analytes: [{ analyte: 'U_PRO' }, { analyte: 'K' }], labCodes: LABS });
    await makeRound(w, 'URINE', 'URINE-1', ['S1', 'S2', 'S3']);
    for (const [i, lab] of LABS.entries()) {
      const rows = Object.entries(ANSWERS).map(([sample, answers]) => ({ sample, analyte: 'U_PRO', value: answers[i] }));
      await submitResults(w.db, w.labManagers.get(lab)!, { roundCode: 'URINE-1', rows: rowsFromJson(rows), source: 'api' }, { now: NOW });
    }
    await evaluateRound(w.db, w.regulators.gd, { roundCode: 'URINE-1' }, { now: AFTER_CLOSE });
    await publishRound(w.db, w.regulators.gd, { roundCode: 'URINE-1' }, { now: AFTER_CLOSE + DAY });
  });
  afterEach(() => w.close());

  it('the lab report shows answer, target (mode), accepted categories and grade distance per sample', async () => {
    // GZ-009 answered trace (S1: 2 grades below the 2+ mode; S2: trace for a negative mode)
    const rep = await labRoundReport(w.db, w.labManagers.get('GZ-009')!, { roundCode: 'URINE-1' });
    const item = rep.analytes.find((a) => a.code === 'U_PRO')!;
    expect(item.kind).toBe('ordinal');
    expect(item.categories?.map((c) => c.code)).toEqual(['negative', 'trace', '1+', '2+', '3+', '4+']);
    const [s1, s2, s3] = item.samples;
    expect(s1).toMatchObject({ category: 'trace', targetCategory: '2+', targetBasis: 'mode', gradeDistance: -2, accepted: ['1+', '2+', '3+'], acceptable: false, answers: 10, agreeing: 5 });
    expect(s2).toMatchObject({ category: 'trace', targetCategory: 'negative', accepted: ['negative'], acceptable: false, agreeing: 8 });
    expect(s3).toMatchObject({ category: '3+', targetCategory: null, accepted: [], acceptable: null, reason: 'multimodal', targetReason: 'multimodal' });
    // 0 of 2 evaluated samples acceptable
    expect(item).toMatchObject({ score: 0, verdict: 'unsatisfactory' });
    // the quantitative item of the scheme stays quantitative (nobody submitted K)
    expect(rep.analytes.find((a) => a.code === 'K')).toMatchObject({ kind: 'quantitative', categories: null });
  });

  it('the distribution of one sample counts every category (catalogue order, zeros included) and marks the lab’s answer and the target', async () => {
    const d = (await sampleCategoryDistribution(w.db, w.labManagers.get('GZ-006')!, { roundCode: 'URINE-1', sample: 'S1', analyte: 'U_PRO' }))!;
    expect(d.bars.map((b) => [b.code, b.count])).toEqual([
      ['negative', 0],
      ['trace', 1],
      ['1+', 2],
      ['2+', 5],
      ['3+', 1],
      ['4+', 1],
    ]);
    expect(d).toMatchObject({ kind: 'ordinal', answers: 10, labAnswer: '1+', target: '2+', basis: 'mode', n: 10, agreeing: 5, accepted: ['1+', '2+', '3+'], acceptable: true });
    // a multimodal sample: no target, the reason instead of a verdict
    const s3 = (await sampleCategoryDistribution(w.db, w.labManagers.get('GZ-006')!, { roundCode: 'URINE-1', sample: 'S3', analyte: 'U_PRO' }))!;
    expect(s3).toMatchObject({ target: null, accepted: [], acceptable: null, reason: 'multimodal', labAnswer: '2+' });
    // a quantitative item has no category distribution
    expect(await sampleCategoryDistribution(w.db, w.labManagers.get('GZ-006')!, { roundCode: 'URINE-1', sample: 'S1', analyte: 'K' })).toBeNull();
    // another lab's answer is not readable
    await expect(async () => await sampleCategoryDistribution(w.db, w.labManagers.get('GZ-006')!, { roundCode: 'URINE-1', labCode: 'GZ-007', sample: 'S1', analyte: 'U_PRO' })).rejects.toThrow();
  });

  it('the regulator sees the concordance per item: acceptable / evaluated, and the samples not evaluated with their reason', async () => {
    const rep = await regulatorRoundReport(w.db, w.regulators.gd, { roundCode: 'URINE-1' }, { now: AFTER_CLOSE + DAY });
    if (!rep.evaluated) throw new Error('round not evaluated');
    // S1: 8 acceptable (5 × 2+, 2 × 1+, 1 × 3+), trace and 4+ not; S2: 8 negatives acceptable, trace and 1+ not; S3 not evaluated
    expect(rep.concordance).toEqual([
      { analyte: 'U_PRO', kind: 'ordinal', labs: 10, answers: 30, evaluated: 20, acceptable: 16, rate: 80, notEvaluated: [{ sample: 'S3', reason: 'multimodal', n: 10, agreeing: 4 }] },
    ]);
    // the CSV export carries answer, target, basis and grade distance (value = the answer's grade)
    const csv = (await roundCsv(w.db, w.regulators.gd, { roundCode: 'URINE-1' })).split(/\r?\n/);
    const header = csv[0].split(',');
    expect(header.slice(-4)).toEqual(['category', 'target_category', 'target_basis', 'grade_distance']);
    const gz9 = csv.filter((l) => l.includes(',GZ-009,')).map((l) => l.split(','));
    const col = (line: string[], name: string) => line[header.indexOf(name)];
    const s1 = gz9.find((l) => col(l, 'sample') === 'S1')!;
    expect([col(s1, 'value'), col(s1, 'category'), col(s1, 'target_category'), col(s1, 'target_basis'), col(s1, 'grade_distance'), col(s1, 'acceptable')]).toEqual(['1', 'trace', '2+', 'mode', '-2', 'no']);
    const s3 = gz9.find((l) => col(l, 'sample') === 'S3')!;
    expect(col(s3, 'acceptable')).toBe('not evaluated');
    expect(col(s3, 'not_evaluated_reason')).toMatch(/no single mode/);
  });
});

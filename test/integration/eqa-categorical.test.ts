// EQA for qualitative, ordinal and nominal items (issue 12) through the automation API on a real
// SQLite file: a serology round graded by the participants' 80 % consensus (and an intended result),
// a urine dipstick round by the mode ± 1 grade with a negative target that must stay negative, a
// blood-group round at 100 % (19 of 20 fails), and a 422 per row for values of the wrong kind.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Actor } from '@/lib/auth/core';
import { AFTER_CLOSE, DAY, NOW, type World } from './eqa-support';
import { createSeededTestDb, sqlRows, sqlRun } from '../support/db';
import { callRoute } from '../support/route-call';

const state: { w: World | null; actor: Actor | null } = { w: null, actor: null };

vi.mock('@/lib/auth', () => ({
  apiActor: async () => state.actor,
  currentActor: async () => state.actor,
}));
vi.mock('@/db/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/db/client')>()),
  getDb: () => state.w!.db,
}));

const schemesRoute = await import('@/app/api/v1/eqa/schemes/route');
const enrolRoute = await import('@/app/api/v1/eqa/schemes/[schemeCode]/enrolments/route');
const roundsRoute = await import('@/app/api/v1/eqa/rounds/route');
const submissionsRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/submissions/route');
const publishRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/publish/route');
const evaluateRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/evaluate/route');
const resultsRoute = await import('@/app/api/v1/eqa/rounds/[roundCode]/results/route');

let w: World;
beforeEach(async () => {
  w = await createSeededTestDb();
  state.w = w;
  state.actor = w.regulators.gd;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW - 30 * DAY);
});
afterEach(() => {
  vi.useRealTimers();
  w.close();
});

const call = callRoute;

const at = (t: number) => vi.setSystemTime(t);
const iso = (t: number) => new Date(t).toISOString();
const LABS = Array.from({ length: 10 }, (_, i) => `GZ-${String(i + 1).padStart(3, '0')}`);

async function scheme(code: string, analytes: string[], extra: Record<string, unknown> = {}) {
  at(NOW - 30 * DAY);
  const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code, name: `测试 ${code}`, analytes, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const e = await call(enrolRoute.POST, 'POST', `/eqa/schemes/${code}/enrolments`, { schemeCode: code }, { labs: LABS });
  expect(e.status, JSON.stringify(e.body)).toBe(200);
  return r.body;
}

async function round(schemeCode: string, code: string, samples: string[], analytes: string[], referenceValues: unknown[] = [], window = { opensAt: NOW - 10 * DAY, closesAt: NOW + 10 * DAY }) {
  state.actor = w.regulators.gd;
  return call(roundsRoute.POST, 'POST', '/eqa/rounds', {}, { scheme: schemeCode, code, opensAt: iso(window.opensAt), closesAt: iso(window.closesAt), samples, analytes, referenceValues });
}

/** POST the lab's rows (JSON, or CSV text) as its manager at time `t`. */
async function submit(lab: string, roundCode: string, rows: unknown[] | string, t = NOW) {
  at(t);
  state.actor = w.labManagers.get(lab)!;
  const csv = typeof rows === 'string';
  const r = await call(submissionsRoute.POST, 'POST', `/eqa/rounds/${roundCode}/submissions`, { roundCode }, csv ? rows : { results: rows }, csv ? 'text/csv' : 'application/json');
  state.actor = w.regulators.gd;
  return r;
}

/** Every lab answers `answers[lab index]` for one sample × item. */
async function answerAll(roundCode: string, sample: string, analyte: string, answers: string[], t = NOW) {
  for (let i = 0; i < answers.length; i++) {
    const r = await submit(LABS[i], roundCode, [{ sample, analyte, value: answers[i] }], t);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
}

async function evaluate(code: string, t = AFTER_CLOSE, publish = false) {
  at(t);
  state.actor = w.regulators.gd;
  const e = await call(evaluateRoute.POST, 'POST', `/eqa/rounds/${code}/evaluate`, { roundCode: code });
  expect(e.status, JSON.stringify(e.body)).toBe(200);
  if (publish) expect((await call(publishRoute.POST, 'POST', `/eqa/rounds/${code}/publish`, { roundCode: code })).status).toBe(200);
  return (await call(resultsRoute.GET, 'GET', `/eqa/rounds/${code}/results`, { roundCode: code })).body;
}

type Body = { results: any[]; analytes: any[] };
const row = (b: Body, lab: string, sample: string, analyte: string) => b.results.find((x) => x.lab === lab && x.sample === sample && x.analyte === analyte);
const score = (b: Body, lab: string, analyte: string) => b.analytes.find((x) => x.lab === lab && x.analyte === analyte);
const repeat = (spec: [number, string][]) => spec.flatMap(([n, v]) => Array<string>(n).fill(v));

describe('serology round graded by consensus (CLIA 42 CFR 493.927: ≥ 80 % of participants)', () => {
  it('exactly 80 % is a consensus, 70 % is not (sample not evaluated for anyone), an intended result wins over the participants', async () => {
    await scheme('SERO', ['HBSAG', 'HCV_AB']);
    expect((await round('SERO', 'SERO-1', ['S1', 'S2', 'S3', 'S4', 'S5'], ['HBSAG', 'HCV_AB'], [{ sample: 'S5', analyte: 'HCV_AB', category: 'reactive' }])).status).toBe(201);
    // HBsAg: aliases and Chinese spellings read as the catalogue's codes
    await answerAll('SERO-1', 'S1', 'HBSAG', repeat([[10, 'positive']]));
    await answerAll('SERO-1', 'S2', 'HBSAG', repeat([[8, 'pos'], [2, 'neg']])); // 8/10 = 80 % → consensus positive
    await answerAll('SERO-1', 'S3', 'HBSAG', repeat([[7, 'positive'], [3, 'negative']])); // 70 % → no consensus
    await answerAll('SERO-1', 'S4', 'HBSAG', repeat([[5, '阴性'], [5, 'non-reactive']]));
    await answerAll('SERO-1', 'S5', 'HBSAG', repeat([[9, 'negative'], [1, 'positive']]));
    // anti-HCV: S5's intended result is positive; only GZ-001 says so
    for (const s of ['S1', 'S2', 'S3', 'S4']) await answerAll('SERO-1', s, 'HCV_AB', repeat([[10, 'negative']]));
    await answerAll('SERO-1', 'S5', 'HCV_AB', repeat([[1, 'positive'], [9, 'negative']]));

    const b = (await evaluate('SERO-1')) as Body;
    // GZ-009 answered negative to an 80 % positive consensus
    expect(row(b, 'GZ-009', 'S2', 'HBSAG')).toMatchObject({ category: 'negative', targetCategory: 'positive', targetBasis: 'consensus', verdict: 'not_acceptable', acceptable: false, gradeDistance: -1 });
    expect(row(b, 'GZ-001', 'S2', 'HBSAG')).toMatchObject({ category: 'positive', targetCategory: 'positive', targetBasis: 'consensus', verdict: 'acceptable' });
    // 70 %: nobody is graded on S3
    for (const lab of LABS) {
      expect(row(b, lab, 'S3', 'HBSAG')).toMatchObject({ verdict: 'not_evaluated', acceptable: null, targetCategory: null, targetBasis: null, reasonCode: 'no_consensus' });
    }
    expect(row(b, 'GZ-001', 'S3', 'HBSAG').reason).toContain('80 %');
    expect(row(b, 'GZ-003', 'S4', 'HBSAG')).toMatchObject({ category: 'negative', targetCategory: 'negative', verdict: 'acceptable' });
    // scores over the 4 evaluated samples: GZ-001 4/4, GZ-009 3/4 = 75 % (< 80), GZ-010 2/4 (S2 and S5 wrong)
    expect(score(b, 'GZ-001', 'HBSAG')).toMatchObject({ score: 100, samples: 4, notEvaluated: 1, verdict: 'satisfactory' });
    expect(score(b, 'GZ-009', 'HBSAG')).toMatchObject({ score: 75, samples: 4, verdict: 'unsatisfactory' });
    expect(score(b, 'GZ-010', 'HBSAG')).toMatchObject({ score: 50, verdict: 'unsatisfactory' });
    // the intended result: 9 of 10 answered negative and are still wrong
    expect(row(b, 'GZ-002', 'S5', 'HCV_AB')).toMatchObject({ category: 'negative', targetCategory: 'positive', targetBasis: 'intended', verdict: 'not_acceptable' });
    expect(row(b, 'GZ-001', 'S5', 'HCV_AB')).toMatchObject({ targetBasis: 'intended', verdict: 'acceptable' });
    expect(score(b, 'GZ-001', 'HCV_AB')).toMatchObject({ score: 100, samples: 5 });
    expect(score(b, 'GZ-002', 'HCV_AB')).toMatchObject({ score: 80, samples: 5, verdict: 'satisfactory' });
    // the target per sample is kept with its basis and counts
    const targets = await sqlRows(w.db, `select s.code as sample, t.target_category as target, t.basis, t.n, t.agreeing, t.reason from eqa_category_targets t join eqa_samples s on s.id = t.sample_id join analytes a on a.id = t.analyte_id where a.code = 'HBSAG' order by s.code`);
    expect(targets).toEqual([
      { sample: 'S1', target: 'positive', basis: 'consensus', n: 10, agreeing: 10, reason: null },
      { sample: 'S2', target: 'positive', basis: 'consensus', n: 10, agreeing: 8, reason: null },
      { sample: 'S3', target: null, basis: null, n: 10, agreeing: 7, reason: 'no_consensus' },
      { sample: 'S4', target: 'negative', basis: 'consensus', n: 10, agreeing: 10, reason: null },
      { sample: 'S5', target: 'negative', basis: 'consensus', n: 10, agreeing: 9, reason: null },
    ]);
  });

  it('a scheme at 90 % turns the 80 % sample into "no consensus"', async () => {
    const s = await scheme('SERO90', ['HBSAG'], { consensusPercent: 90 });
    expect(s.consensusPercent).toBe(90);
    expect((await round('SERO90', 'SERO90-1', ['S1'], ['HBSAG'])).status).toBe(201);
    await answerAll('SERO90-1', 'S1', 'HBSAG', repeat([[8, 'positive'], [2, 'negative']]));
    const b = (await evaluate('SERO90-1')) as Body;
    expect(row(b, 'GZ-001', 'S1', 'HBSAG')).toMatchObject({ verdict: 'not_evaluated', reasonCode: 'no_consensus' });
    // nothing evaluated: no score, the round does not count for or against anyone
    expect(score(b, 'GZ-001', 'HBSAG')).toBeUndefined();
    // evaluating again with the same inputs: same digest, no target changed
    const again = await call(evaluateRoute.POST, 'POST', '/eqa/rounds/SERO90-1/evaluate', { roundCode: 'SERO90-1' });
    expect(again.body.diff).toMatchObject({ previousVersion: 1, inputsChanged: false, categoryTargets: { changed: 0, items: [] }, verdicts: { changed: 0 } });
    // a corrected answer (written straight to the file: the round is closed) makes 9 of 10 → a consensus, and the diff says so
    await sqlRun(w.db, `update eqa_submissions set category = 'positive', value = 1 where lab_id = (select id from laboratories where code = 'GZ-009')`);
    const third = await call(evaluateRoute.POST, 'POST', '/eqa/rounds/SERO90-1/evaluate', { roundCode: 'SERO90-1' });
    expect(third.body.diff).toMatchObject({
      previousVersion: 2,
      inputsChanged: true,
      categoryTargets: {
        changed: 1,
        items: [{ sample: 'S1', analyte: 'HBSAG', before: { target: null, basis: null, n: 10, agreeing: 8, reason: 'no_consensus' }, after: { target: 'positive', basis: 'consensus', n: 10, agreeing: 9, reason: null } }],
      },
    });
  });
});

describe('urine dipstick round graded by the mode ± 1 grade (NCCL urinalysis)', () => {
  it('1+ and 3+ pass against a 2+ mode, trace and 4+ fail; a negative sample answered ± fails; a tie of modes is not evaluated; two bad rounds make the lab unsuccessful', async () => {
    await scheme('URINE', ['U_PRO']);
    expect((await round('URINE', 'URINE-1', ['S1', 'S2', 'S3'], ['U_PRO'])).status).toBe(201);
    await answerAll('URINE-1', 'S1', 'U_PRO', ['2+', '2+', '++', '2+', '2+', '1+', '+', '3+', 'trace', '4+']);
    await answerAll('URINE-1', 'S2', 'U_PRO', ['negative', 'neg', '-', 'negative', 'negative', 'negative', 'negative', 'negative', '±', '1+']);
    await answerAll('URINE-1', 'S3', 'U_PRO', repeat([[4, '1+'], [4, '2+'], [2, '3+']]));
    const b = (await evaluate('URINE-1', AFTER_CLOSE, true)) as Body;
    expect(row(b, 'GZ-006', 'S1', 'U_PRO')).toMatchObject({ category: '1+', targetCategory: '2+', targetBasis: 'mode', gradeDistance: -1, verdict: 'acceptable' });
    expect(row(b, 'GZ-008', 'S1', 'U_PRO')).toMatchObject({ category: '3+', gradeDistance: 1, verdict: 'acceptable' });
    expect(row(b, 'GZ-009', 'S1', 'U_PRO')).toMatchObject({ category: 'trace', gradeDistance: -2, verdict: 'not_acceptable' });
    expect(row(b, 'GZ-010', 'S1', 'U_PRO')).toMatchObject({ category: '4+', gradeDistance: 2, verdict: 'not_acceptable' });
    // negative must stay negative: ± is one grade away and still fails
    expect(row(b, 'GZ-009', 'S2', 'U_PRO')).toMatchObject({ category: 'trace', targetCategory: 'negative', targetBasis: 'mode', gradeDistance: 1, verdict: 'not_acceptable' });
    expect(row(b, 'GZ-001', 'S2', 'U_PRO')).toMatchObject({ category: 'negative', verdict: 'acceptable' });
    // 4 × 1+ and 4 × 2+: no single mode
    expect(row(b, 'GZ-001', 'S3', 'U_PRO')).toMatchObject({ verdict: 'not_evaluated', reasonCode: 'multimodal', targetCategory: null });
    expect(score(b, 'GZ-001', 'U_PRO')).toMatchObject({ score: 100, samples: 2, notEvaluated: 1 });
    expect(score(b, 'GZ-009', 'U_PRO')).toMatchObject({ score: 0, verdict: 'unsatisfactory', unsuccessful: false });
    expect(score(b, 'GZ-010', 'U_PRO')).toMatchObject({ score: 0, verdict: 'unsatisfactory' });

    // the next round: GZ-009 again unsatisfactory → unsuccessful (two consecutive, DOMAIN §2)
    const r2 = { opensAt: NOW + 12 * DAY, closesAt: NOW + 20 * DAY };
    expect((await round('URINE', 'URINE-2', ['S1'], ['U_PRO'], [], r2)).status).toBe(201);
    await answerAll('URINE-2', 'S1', 'U_PRO', [...repeat([[8, 'negative']]), '2+', 'negative'], NOW + 13 * DAY);
    const b2 = (await evaluate('URINE-2', NOW + 21 * DAY)) as Body;
    expect(score(b2, 'GZ-009', 'U_PRO')).toMatchObject({ score: 0, verdict: 'unsatisfactory', unsuccessful: true });
    expect(score(b2, 'GZ-010', 'U_PRO')).toMatchObject({ score: 100, unsuccessful: false });
  });

  it('the tolerance and the negative rule are per scheme: ±0 grades, negative rule off', async () => {
    await scheme('URINE0', ['U_PRO'], { ordinalTolerance: 0, negativeMustBeNegative: false });
    expect((await round('URINE0', 'URINE0-1', ['S1'], ['U_PRO'], [{ sample: 'S1', analyte: 'U_PRO', category: '2+' }])).status).toBe(201);
    await answerAll('URINE0-1', 'S1', 'U_PRO', ['2+', '1+', '3+']);
    const b = (await evaluate('URINE0-1')) as Body;
    expect(row(b, 'GZ-001', 'S1', 'U_PRO')).toMatchObject({ verdict: 'acceptable', targetBasis: 'intended' });
    expect(row(b, 'GZ-002', 'S1', 'U_PRO')).toMatchObject({ verdict: 'not_acceptable' });
    expect(row(b, 'GZ-003', 'S1', 'U_PRO')).toMatchObject({ verdict: 'not_acceptable' });
  });
});

describe('blood-group round at 100 % (42 CFR 493.859); antibody screening at 80 %', () => {
  it('19 of 20 ABO samples right is 95 % and unsatisfactory; 16 of 20 antibody screens is 80 % and satisfactory', async () => {
    await scheme('BG', ['ABO_FWD', 'ABSCREEN']);
    const samples = Array.from({ length: 20 }, (_, i) => `BG${String(i + 1).padStart(2, '0')}`);
    const groups = ['A', 'B', 'AB', 'O'];
    const intended = [
      ...samples.map((s, i) => ({ sample: s, analyte: 'ABO_FWD', category: groups[i % 4] })),
      ...samples.map((s) => ({ sample: s, analyte: 'ABSCREEN', category: 'negative' })),
    ];
    const created = await round('BG', 'BG-1', samples, ['ABO_FWD', 'ABSCREEN'], intended);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const answers = (lab: number) => [
      // GZ-002 types BG20 (intended O) as A
      ...samples.map((s, i) => ({ sample: s, analyte: 'ABO_FWD', value: lab === 1 && i === 19 ? 'A型' : groups[i % 4] })),
      // GZ-002 screens 4 of 20 as positive
      ...samples.map((s, i) => ({ sample: s, analyte: 'ABSCREEN', value: lab === 1 && i < 4 ? 'positive' : 'negative' })),
    ];
    for (const lab of [0, 1]) expect((await submit(LABS[lab], 'BG-1', answers(lab))).status).toBe(201);
    const b = (await evaluate('BG-1')) as Body;
    expect(score(b, 'GZ-001', 'ABO_FWD')).toMatchObject({ score: 100, samples: 20, verdict: 'satisfactory' });
    expect(score(b, 'GZ-002', 'ABO_FWD')).toMatchObject({ score: 95, samples: 20, verdict: 'unsatisfactory' });
    expect(row(b, 'GZ-002', 'BG20', 'ABO_FWD')).toMatchObject({ category: 'A', targetCategory: 'O', targetBasis: 'intended', verdict: 'not_acceptable' });
    expect(score(b, 'GZ-002', 'ABSCREEN')).toMatchObject({ score: 80, verdict: 'satisfactory' });
    // enrolled labs that sent nothing score 0 on the intended samples, as for quantitative items
    expect(score(b, 'GZ-003', 'ABO_FWD')).toMatchObject({ score: 0, notSubmitted: true, verdict: 'not_submitted' });
  });

  it('the pass mark per kind is a scheme setting (nominal 90 % passes 95 %)', async () => {
    const s = await scheme('BG90', ['RHD'], { passPercent: { nominal: 90 } });
    expect(s.passPercent).toEqual({ qualitative: 80, ordinal: 80, nominal: 90 });
    const samples = Array.from({ length: 20 }, (_, i) => `R${String(i + 1).padStart(2, '0')}`);
    expect((await round('BG90', 'BG90-1', samples, ['RHD'], samples.map((x) => ({ sample: x, analyte: 'RHD', category: 'positive' })))).status).toBe(201);
    expect((await submit('GZ-001', 'BG90-1', samples.map((x, i) => ({ sample: x, analyte: 'RHD', value: i === 0 ? 'Rh-' : 'Rh+' })))).status).toBe(201);
    const b = (await evaluate('BG90-1')) as Body;
    expect(score(b, 'GZ-001', 'RHD')).toMatchObject({ score: 95, verdict: 'satisfactory' });
  });
});

describe('values of the wrong kind: 422 per row, nothing saved', () => {
  it('submissions: a category that is not the item’s, a number for a categorical item, a word for a number (JSON and CSV)', async () => {
    await scheme('MIX', ['K', 'HBSAG']);
    expect((await round('MIX', 'MIX-1', ['S1', 'S2'], ['K', 'HBSAG'])).status).toBe(201);
    const bad = await submit('GZ-001', 'MIX-1', [
      { sample: 'S1', analyte: 'HBSAG', value: 'maybe' },
      { sample: 'S2', analyte: 'HBSAG', value: 1 },
      { sample: 'S1', analyte: 'K', value: 'positive' },
      { sample: 'S2', analyte: 'K', value: 4.1 },
    ]);
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: any) => [e.row, e.field, e.code])).toEqual([
      [1, 'value', 'value.notCategory'],
      [2, 'value', 'value.categoryNotNumber'],
      [3, 'value', 'value.numberRequired'],
    ]);
    expect(bad.body.errors[0].message).toContain('negative, positive');
    const csv = await submit('GZ-001', 'MIX-1', 'sample,analyte,value\nS1,HBSAG,阳性\nS2,HBSAG,xx\n');
    expect(csv.status).toBe(422);
    expect(csv.body.errors.map((e: any) => [e.row, e.field, e.code])).toEqual([[3, 'value', 'value.notCategory']]);
    expect((await sqlRows(w.db, 'select count(*) as n from eqa_submissions'))[0]).toEqual({ n: 0 });

    // the same CSV with a valid code is saved with the catalogue's spelling (value = its grade)
    const ok = await submit('GZ-001', 'MIX-1', 'sample,analyte,value\nS1,HBSAG,阳性\nS2,HBSAG,neg\nS1,K,4.1\n');
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(await sqlRows(w.db, 'select a.code as analyte, s.value, s.category from eqa_submissions s join analytes a on a.id = s.analyte_id order by s.id')).toEqual([
      { analyte: 'HBSAG', value: 1, category: 'positive' },
      { analyte: 'HBSAG', value: 0, category: 'negative' },
      { analyte: 'K', value: 4.1, category: null },
    ]);
    // sending the same answer under an alias changes nothing
    expect((await submit('GZ-001', 'MIX-1', [{ sample: 'S1', analyte: 'HBSAG', value: 'POS' }])).body).toMatchObject({ created: 0, revised: 0, unchanged: 1 });
  });

  it('an unpaired surrogate escape in a submission or a scheme is refused by row and field (422), nothing saved', async () => {
    await scheme('LONE', ['K']);
    expect((await round('LONE', 'LONE-1', ['S1', 'S2'], ['K'])).status).toBe(201);
    // JSON.stringify writes a lone surrogate as its escape, as a client's serializer would
    const bad = await submit('GZ-001', 'LONE-1', [
      { sample: 'S1', analyte: 'K', value: 4.1, method: 'ISE' },
      { sample: 'S2', analyte: 'K', value: 4.2, method: 'ISE\ud800', instrument: '\udc00' },
    ]);
    expect([bad.status, bad.body.code]).toEqual([422, 'body.unpairedSurrogate']);
    expect(bad.body.errors.map((e: any) => [e.row, e.field, e.code])).toEqual([[2, 'method', 'value.unpairedSurrogate'], [2, 'instrument', 'value.unpairedSurrogate']]);
    expect((await sqlRows(w.db, 'select count(*) as n from eqa_submissions'))[0]).toEqual({ n: 0 });
    const s = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'LONE2', name: '测试\ud800', analytes: ['K'] });
    expect([s.status, s.body.errors.map((e: any) => [e.field, e.code])]).toEqual([422, [['name', 'value.unpairedSurrogate']]]);
    expect((await sqlRows(w.db, `select count(*) as n from eqa_schemes where code = 'LONE2'`))[0]).toEqual({ n: 0 });
  });

  it('a submission CSV saved in GBK keeps its Chinese method; bytes in no encoding are refused (422), nothing saved', async () => {
    await scheme('GBK', ['K']);
    expect((await round('GBK', 'GBK-1', ['S1'], ['K'])).status).toBe(201);
    at(NOW);
    state.actor = w.labManagers.get('GZ-001')!;
    const post = (bytes: Buffer) => call(submissionsRoute.POST, 'POST', '/eqa/rounds/GBK-1/submissions', { roundCode: 'GBK-1' }, bytes, 'text/csv');
    const csv = (method: Buffer) => Buffer.concat([Buffer.from('sample,analyte,value,method\nS1,K,4.1,'), method, Buffer.from('\n')]);
    const bad = await post(csv(Buffer.from([0x41, 0xff])));
    expect([bad.status, bad.body.code]).toEqual([422, 'file.unknownEncoding']);
    expect((await sqlRows(w.db, 'select count(*) as n from eqa_submissions'))[0]).toEqual({ n: 0 });
    const ok = await post(csv(Buffer.from('bcbaccc7bca4c3b8b7a8', 'hex'))); // '己糖激酶法' in GBK
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(await sqlRows(w.db, 'select method from eqa_submissions')).toEqual([{ method: '己糖激酶法' }]);
    state.actor = w.regulators.gd;
  });

  it('rounds: a value for a categorical item, a category for a quantitative one, an unknown category → 422 per row, no round', async () => {
    await scheme('MIX2', ['K', 'HBSAG']);
    const r = await round('MIX2', 'MIX2-1', ['S1', 'S2'], ['K', 'HBSAG'], [
      { sample: 'S1', analyte: 'HBSAG', value: 1 },
      { sample: 'S1', analyte: 'K', category: 'positive' },
      { sample: 'S2', analyte: 'HBSAG', category: 'maybe' },
      { sample: 'S2', analyte: 'K', value: 4.2 },
    ]);
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: any) => [e.row, e.field, e.code])).toEqual([
      [1, 'value', 'round.referenceNeedsCategory'],
      [2, 'category', 'round.referenceNeedsValue'],
      [3, 'category', 'value.notCategory'],
    ]);
    expect((await sqlRows(w.db, `select count(*) as n from eqa_rounds where code = 'MIX2-1'`))[0]).toEqual({ n: 0 });
    // the intended result is stored as the catalogue's code with its grade
    expect((await round('MIX2', 'MIX2-2', ['S1'], ['K', 'HBSAG'], [{ sample: 'S1', analyte: 'HBSAG', category: 'reactive' }, { sample: 'S1', analyte: 'K', value: 4.2 }])).status).toBe(201);
    expect(await sqlRows(w.db, 'select value, category from eqa_reference_values order by id')).toEqual([
      { value: 1, category: 'positive' },
      { value: 4.2, category: null },
    ]);
  });

  it('the regulator’s form sends one `result` field, read per item kind: a number for K, a category code for HBsAg', async () => {
    await scheme('MIX3', ['K', 'HBSAG']);
    const { createRound } = await import('@/lib/services/eqa/rounds');
    const input = (refs: unknown[]) => ({ schemeCode: 'MIX3', code: 'MIX3-1', opensAt: NOW - DAY, closesAt: NOW + DAY, samples: ['S1', 'S2'], referenceValues: refs });
    let err: any;
    try {
      await createRound(w.db, w.regulators.gd, input([{ sample: 'S1', analyte: 'HBSAG', result: '阳性' }, { sample: 'S1', analyte: 'K', result: 'positive' }, { sample: 'S2', analyte: 'HBSAG', result: 'maybe' }]));
    } catch (e) {
      err = e;
    }
    expect(err?.errors.map((e: any) => [e.row, e.field, e.code])).toEqual([
      [2, 'value', 'value.numberRequired'],
      [3, 'value', 'value.notCategory'],
    ]);
    await createRound(w.db, w.regulators.gd, input([{ sample: 'S1', analyte: 'HBSAG', result: '阳性' }, { sample: 'S1', analyte: 'K', result: '4.2' }]));
    expect(await sqlRows(w.db, 'select value, category from eqa_reference_values order by id')).toEqual([
      { value: 1, category: 'positive' },
      { value: 4.2, category: null },
    ]);
  });

  it('schemes refuse settings out of range (consensus 0 %, tolerance 1.5)', async () => {
    at(NOW - 30 * DAY);
    const r = await call(schemesRoute.POST, 'POST', '/eqa/schemes', {}, { code: 'BAD', name: 'bad', analytes: ['HBSAG'], consensusPercent: 0, ordinalTolerance: 1.5 });
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: any) => e.field).sort()).toEqual(['consensusPercent', 'ordinalTolerance']);
  });
});

// Evaluation of EQA rounds against a real SQLite file: assigned values (reference, peer group,
// all-methods fallback), σpt, u(x_pt) and z′, round scores, not submitted, unsuccessful, re-evaluation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createSeededTestDb, sqlRows, sqlRun, testBackend } from '../support/db';
import { withTx } from '@/db/tx';
import { checkGradedParents, explainGradedParents, lockEvaluationRow } from '@/db/queries/eqa-evaluation';
import { eqaEvaluations } from '@/db/schema';
import { closeRound } from '@/lib/services/eqa/rounds';
import { evaluateRound, publishRound } from '@/lib/services/eqa/evaluation';
import { getRoundResults, labHistory, labRoundReport, regulatorRoundReport, roundCsv, sampleHistogram } from '@/lib/services/eqa/reports';
import { ALGORITHM_VERSION } from '@/lib/services/eqa/engine';
import { auditLog, certifications, eqaResultEvaluations, eqaRounds } from '@/db/schema';
import { insertCertification } from '@/db/queries/recognition';
import { AFTER_CLOSE, DAY, GD_LABS, NOW, makeRound, makeScheme, submitAs, type World } from './eqa-support';
import { mapSeq } from '@/lib/async';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { eqaBiasOfLab } from '@/lib/services/iqc/sigma';
import { first, rawTuples } from '@/db/dialect';

let w: World;
beforeEach(async () => {
  w = await createSeededTestDb();
});
afterEach(() => w.close());

const gd = () => w.regulators.gd;

/** ISO 13528:2015 E.3 data (DOMAIN.md §3): 12 participants, one sample. */
const ISO_E3 = [1.69, 0.74, 2.05, 1.14, 2.19, 1.39, 1.52, 1.5, 1.58, 0.8, 1.21, 1.63];

describe('ISO 13528 worked example through the whole evaluation path', () => {
  it('12 labs reporting the E.3 data get x* = 1.453333 and s* = 0.496148, with u(x_pt) = 0.179032 > 0.3·σpt so z′ is used', async () => {
    const labs = GD_LABS.slice(0, 12);
    await makeScheme(w, 'ISO', { analytes: [{ analyte: 'GLU' }], sigmaPtSource: 'robust_sd', labCodes: labs });
    await makeRound(w, 'ISO', 'ISO-1', ['S1']);
    for (const [i, lab] of labs.entries()) { await submitAs(w, lab, 'ISO-1', [{ sample: 'S1', analyte: 'GLU', value: ISO_E3[i], method: 'hexokinase' }]); }
    const summary = await evaluateRound(w.db, gd(), { roundCode: 'ISO-1' }, { now: AFTER_CLOSE });
    expect(summary.assignedValues).toBe(1);
    const report = await regulatorRoundReport(w.db, gd(), { roundCode: 'ISO-1' }, { now: AFTER_CLOSE });
    if (!report.evaluated) throw new Error('not evaluated');
    const av = report.assignedValues.rows[0];
    expect(av.source).toBe('peer_robust_mean');
    expect(av.peerGroup).toBe('hexokinase');
    expect(av.n).toBe(12);
    expect(av.assignedValue).toBeCloseTo(1.453333, 6);
    expect(av.robustSd).toBeCloseTo(0.496148, 6);
    expect(av.sigmaPt).toBeCloseTo(0.496148, 6);
    expect(av.uAssigned).toBeCloseTo(0.179032, 6);
    expect(av.uNegligible).toBe(false);
    const results = (await getRoundResults(w.db, gd(), { roundCode: 'ISO-1' })).results;
    expect(results).toHaveLength(12);
    const first = results.find((r) => r.lab === 'GZ-001')!;
    expect(first.scoreType).toBe('z_prime');
    // z′ = (1.69 − 1.453333)/√(0.496148² + 0.179032²)
    expect(first.z).toBeCloseTo((1.69 - 1.4533333) / Math.hypot(0.4961482, 0.1790317), 4);
  });
});

describe('σpt of a small group', () => {
  it('with a reference value and fewer results than the minimum group size, σpt comes from the allowable error, not the s* of 3 values', async () => {
    const labs = GD_LABS.slice(0, 3);
    await makeScheme(w, 'SMALL', { analytes: [{ analyte: 'NA' }], sigmaPtSource: 'robust_sd', labCodes: labs });
    await makeRound(w, 'SMALL', 'SMALL-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'NA', value: 140 }] });
    for (const [i, lab] of labs.entries()) await submitAs(w, lab, 'SMALL-1', [{ sample: 'S1', analyte: 'NA', value: [139, 140.5, 141][i] }]);
    const summary = await evaluateRound(w.db, gd(), { roundCode: 'SMALL-1' }, { now: AFTER_CLOSE });
    const report = await regulatorRoundReport(w.db, gd(), { roundCode: 'SMALL-1' }, { now: AFTER_CLOSE });
    if (!report.evaluated) throw new Error('not evaluated');
    const av = report.assignedValues.rows[0];
    const allowed = (await getRoundResults(w.db, gd(), { roundCode: 'SMALL-1' })).results[0].allowed!;
    expect([av.source, av.robustSd]).toEqual(['reference', null]);
    expect(av.sigmaPt).toBeCloseTo(allowed / 2, 9);
    expect((summary.diff as { notes?: string[] }).notes?.join('\n')).toMatch(/below the minimum of 8 for a robust SD/);
  });
});

describe('assigned values', () => {
  it('a reference value is the assigned value for everyone, and σpt is half the allowable error at it', async () => {
    await makeScheme(w, 'REF', { analytes: [{ analyte: 'K' }] });
    await makeRound(w, 'REF', 'REF-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 4.0, uncertainty: 0.01 }] });
    for (const [i, lab] of GD_LABS.slice(0, 5).entries()) { await submitAs(w, lab, 'REF-1', [{ sample: 'S1', analyte: 'K', value: 3.9 + 0.05 * i, method: 'ISE' }]); }
    await evaluateRound(w.db, gd(), { roundCode: 'REF-1' }, { now: AFTER_CLOSE });
    const rows = (await getRoundResults(w.db, gd(), { roundCode: 'REF-1' })).results;
    expect(new Set(rows.map((r) => r.assignedValue))).toEqual(new Set([4.0]));
    // K: 6 % or 0.2 mmol/L, the larger → 0.24 at 4.0; σpt = 0.12
    expect(rows[0].sigmaPt).toBeCloseTo(0.12, 9);
    expect(rows.every((r) => r.source === 'reference' && r.scoreType === 'z')).toBe(true);
    const lab4 = rows.find((r) => r.lab === 'GZ-005')!; // 4.10
    expect(lab4.z).toBeCloseTo(0.1 / 0.12, 9);
    expect(lab4.acceptable).toBe(true);
  });

  it('a value whose percent deviation is beyond the double range (1e307 against 4) is graded without one; the lab\'s EQA bias for the sigma metric is still read', async () => {
    await makeScheme(w, 'HUGE', { analytes: [{ analyte: 'K' }] });
    await makeRound(w, 'HUGE', 'HUGE-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 4.0, uncertainty: 0.01 }] });
    for (const [i, lab] of GD_LABS.slice(0, 5).entries()) await submitAs(w, lab, 'HUGE-1', [{ sample: 'S1', analyte: 'K', value: i === 0 ? 1e307 : 3.9 + 0.05 * i, method: 'ISE' }]);
    await evaluateRound(w.db, gd(), { roundCode: 'HUGE-1' }, { now: AFTER_CLOSE });
    await publishRound(w.db, gd(), { roundCode: 'HUGE-1' }, { now: AFTER_CLOSE + DAY });
    const rows = (await getRoundResults(w.db, gd(), { roundCode: 'HUGE-1' })).results;
    const huge = rows.find((r) => r.lab === GD_LABS[0])!;
    expect(huge).toMatchObject({ acceptable: false, percentDeviation: null });
    expect(rows.find((r) => r.lab === GD_LABS[1])!.percentDeviation).toBeCloseTo(100 * (3.95 - 4) / 4, 9);
    const labId = w.labManagers.get(GD_LABS[0])!.labId!;
    const k = (await findAnalyteByCode(w.db, 'K'))!;
    const bias = (await eqaBiasOfLab(w.db, labId))(k.id, AFTER_CLOSE + 2 * DAY);
    expect(bias).toBeNull();
  });

  it('a peer group of at least the minimum size gets its own robust mean; smaller groups fall back to all methods, and say so', async () => {
    await makeScheme(w, 'PEER', { analytes: [{ analyte: 'GLU' }] });
    await makeRound(w, 'PEER', 'PEER-1', ['S1']);
    // 10 labs by hexokinase around 5.0, 5 labs by glucose oxidase around 5.4
    for (const [i, lab] of GD_LABS.slice(0, 10).entries()) { await submitAs(w, lab, 'PEER-1', [{ sample: 'S1', analyte: 'GLU', value: 4.95 + 0.01 * i, method: 'hexokinase' }]); }
    for (const [i, lab] of GD_LABS.slice(10, 15).entries()) { await submitAs(w, lab, 'PEER-1', [{ sample: 'S1', analyte: 'GLU', value: 5.35 + 0.02 * i, method: 'glucose oxidase' }]); }
    await evaluateRound(w.db, gd(), { roundCode: 'PEER-1' }, { now: AFTER_CLOSE });
    const rows = (await getRoundResults(w.db, gd(), { roundCode: 'PEER-1' })).results;
    const hk = rows.find((r) => r.lab === GD_LABS[0])!;
    const god = rows.find((r) => r.lab === GD_LABS[10])!;
    expect(hk).toMatchObject({ peerGroup: 'hexokinase', source: 'peer_robust_mean', n: 10 });
    expect(god).toMatchObject({ peerGroup: '*', source: 'all_robust_mean', n: 15 });
    expect(hk.assignedValue).toBeLessThan(god.assignedValue!);
  });

  it('σpt from the allowable error makes |z| ≤ 2 coincide with "acceptable"', async () => {
    await makeScheme(w, 'TEA', { analytes: [{ analyte: 'K' }] });
    await makeRound(w, 'TEA', 'TEA-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 5.0 }] });
    // allowed at 5.0 = 6 % = 0.30: 5.30 is at the limit, 5.31 beyond it
    const values = [5.0, 5.3, 5.31, 4.7, 4.69];
    for (const [i, v] of values.entries()) { await submitAs(w, GD_LABS[i], 'TEA-1', [{ sample: 'S1', analyte: 'K', value: v }]); }
    await evaluateRound(w.db, gd(), { roundCode: 'TEA-1' }, { now: AFTER_CLOSE });
    const rows = (await getRoundResults(w.db, gd(), { roundCode: 'TEA-1' })).results;
    for (const r of rows) expect(r.acceptable).toBe(Math.round(Math.abs(r.z!) * 1e9) / 1e9 <= 2);
    expect(rows.filter((r) => r.acceptable).map((r) => r.value).sort()).toEqual([4.7, 5.0, 5.3]);
  });
});

describe('round scores', () => {
  it('reproduces the potassium example of DOMAIN.md §2 (Y N Y N Y → 60 %, unsatisfactory)', async () => {
    await makeScheme(w, 'POT', { analytes: [{ analyte: 'K', percent: 6 }], labCodes: ['GZ-001'] });
    const targets = [3.5, 4.2, 5.1, 6.0, 2.8];
    await makeRound(w, 'POT', 'POT-1', ['S1', 'S2', 'S3', 'S4', 'S5'], { referenceValues: targets.map((v, i) => ({ sample: `S${i + 1}`, analyte: 'K', value: v })) });
    const results = [3.62, 4.49, 5.05, 6.4, 2.95];
    await submitAs(w, 'GZ-001', 'POT-1', results.map((v, i) => ({ sample: `S${i + 1}`, analyte: 'K', value: v })));
    await evaluateRound(w.db, gd(), { roundCode: 'POT-1' }, { now: AFTER_CLOSE });
    const out = await getRoundResults(w.db, gd(), { roundCode: 'POT-1', labCode: 'GZ-001' });
    expect(out.results.map((r) => (r.acceptable ? 'Y' : 'N')).join(' ')).toBe('Y N Y N Y');
    expect(out.analytes).toEqual([expect.objectContaining({ analyte: 'K', score: 60, verdict: 'unsatisfactory' })]);
  });

  it('a lab that submitted nothing for an analyte scores 0 and is shown as not submitted; a missing sample counts as not acceptable', async () => {
    await makeScheme(w, 'NS', { analytes: [{ analyte: 'K' }, { analyte: 'NA' }], labCodes: ['GZ-001', 'GZ-002'] });
    await makeRound(w, 'NS', 'NS-1', ['S1', 'S2'], {
      referenceValues: [
        { sample: 'S1', analyte: 'K', value: 4 },
        { sample: 'S2', analyte: 'K', value: 5 },
        { sample: 'S1', analyte: 'NA', value: 140 },
        { sample: 'S2', analyte: 'NA', value: 130 },
      ],
    });
    await submitAs(w, 'GZ-001', 'NS-1', [
      { sample: 'S1', analyte: 'K', value: 4 },
      { sample: 'S2', analyte: 'K', value: 5 },
      { sample: 'S1', analyte: 'NA', value: 140 },
    ]);
    await evaluateRound(w.db, gd(), { roundCode: 'NS-1' }, { now: AFTER_CLOSE });
    const a = (await getRoundResults(w.db, gd(), { roundCode: 'NS-1' })).analytes;
    expect(a).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ lab: 'GZ-001', analyte: 'K', score: 100, verdict: 'satisfactory' }),
        expect.objectContaining({ lab: 'GZ-001', analyte: 'NA', score: 50, verdict: 'unsatisfactory', notSubmitted: false }),
        expect.objectContaining({ lab: 'GZ-002', analyte: 'K', score: 0, verdict: 'not_submitted', notSubmitted: true }),
        expect.objectContaining({ lab: 'GZ-002', analyte: 'NA', score: 0, verdict: 'not_submitted', notSubmitted: true }),
      ]),
    );
    const report = await labRoundReport(w.db, gd(), { roundCode: 'NS-1', labCode: 'GZ-002' });
    expect(report.analytes.every((x) => x.notSubmitted && x.samples.every((s) => s.value === null))).toBe(true);
    // a lab code in any case; a lab that did not take part has no report of the round (the page: 404)
    expect((await labRoundReport(w.db, gd(), { roundCode: 'NS-1', labCode: 'gz-002' })).lab).toEqual(report.lab);
    expect((await labHistory(w.db, gd(), { roundCode: 'NS-1', labCode: 'gz-002' })).scores).toEqual((await labHistory(w.db, gd(), { roundCode: 'NS-1', labCode: 'GZ-002' })).scores);
    await expect(labRoundReport(w.db, gd(), { roundCode: 'NS-1', labCode: 'SZ-006' })).rejects.toMatchObject({ reason: 'eqa.labNotInRound', status: 404 });
    const csv = await roundCsv(w.db, gd(), { roundCode: 'NS-1' });
    expect(csv.split('\r\n').filter((l) => l.includes('not_submitted'))).toHaveLength(2);
  });

  it('unsatisfactory in two consecutive rounds makes the analyte unsuccessful', async () => {
    await makeScheme(w, 'HIS', { analytes: [{ analyte: 'K' }], labCodes: ['GZ-001'] });
    for (const [i, value] of [4.0, 5.0, 5.0].entries()) {
      const code = `HIS-${i + 1}`;
      const opensAt = NOW - (28 - 9 * i) * 86_400_000; // after the enrolment (NOW - 30 days): a participant of each
      await makeRound(w, 'HIS', code, ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 4.0 }], opensAt, closesAt: opensAt + 5 * 86_400_000 });
      await submitAs(w, 'GZ-001', code, [{ sample: 'S1', analyte: 'K', value }], opensAt + 86_400_000);
      await evaluateRound(w.db, gd(), { roundCode: code }, { now: opensAt + 6 * 86_400_000 });
      await publishRound(w.db, gd(), { roundCode: code }, { now: opensAt + 7 * 86_400_000 });
    }
    const flags = (await mapSeq(['HIS-1', 'HIS-2', 'HIS-3'], async (c) => (await getRoundResults(w.db, gd(), { roundCode: c, labCode: 'GZ-001' })).analytes[0]));
    expect(flags.map((f) => [f.verdict, f.unsuccessful])).toEqual([
      ['satisfactory', false],
      ['unsatisfactory', false],
      ['unsatisfactory', true],
    ]);
  });
});

describe('re-evaluation and publication', () => {
  it('re-evaluating adds a version with a diff of assigned values and verdicts; publishing freezes it', async () => {
    await makeScheme(w, 'RE', { analytes: [{ analyte: 'GLU' }] });
    await makeRound(w, 'RE', 'RE-1', ['S1'], { closesAt: NOW + 5 * 86_400_000 });
    for (const [i, lab] of GD_LABS.slice(6, 16).entries()) { await submitAs(w, lab, 'RE-1', [{ sample: 'S1', analyte: 'GLU', value: 5 + 0.02 * i, method: 'hexokinase' }]); }
    const v1 = await evaluateRound(w.db, gd(), { roundCode: 'RE-1' }, { now: AFTER_CLOSE });
    expect(v1.version).toBe(1);
    expect(v1.diff.previousVersion).toBeNull();
    const again = await evaluateRound(w.db, gd(), { roundCode: 'RE-1' }, { now: AFTER_CLOSE });
    expect(again.diff).toMatchObject({ previousVersion: 1, inputsChanged: false, assignedValues: { changed: 0 }, verdicts: { changed: 0 } });

    // the scheme's limit for GLU is tightened (a data correction): verdicts and σpt change
    await sqlRun(w.db, "update eqa_scheme_analytes set percent = 0.5, absolute = null where analyte_id = (select id from analytes where code = 'GLU')");
    const v3 = await evaluateRound(w.db, gd(), { roundCode: 'RE-1' }, { now: AFTER_CLOSE });
    expect(v3.version).toBe(3);
    expect(v3.diff.inputsChanged).toBe(true);
    expect(v3.diff.assignedValues!.changed).toBe(1);
    expect(v3.diff.verdicts!.changed).toBeGreaterThan(0);
    // as a city's regulator reads them: v3's changes of its labs only, v2's none (as for every lab)
    const city = await regulatorRoundReport(w.db, w.regulators.sz, { roundCode: 'RE-1' }, { now: AFTER_CLOSE });
    const cityDiff = (v: number) => city.evaluations.find((e) => e.version === v)!.diff!.verdicts!;
    expect(cityDiff(2)).toEqual({ changed: 0, items: [] });
    const shenzhen = (v3.diff.verdicts!.items as { lab: string }[]).filter((x) => x.lab.startsWith('SZ-')).map((x) => x.lab).sort();
    expect(shenzhen.length).toBeGreaterThan(0);
    expect([cityDiff(3).changed, cityDiff(3).items.map((x) => x.lab)]).toEqual([shenzhen.length, shenzhen]);
    const statuses = await w.db.select({ v: eqaEvaluations.version, s: eqaEvaluations.status, a: eqaEvaluations.algorithmVersion, d: eqaEvaluations.inputDigest }).from(eqaEvaluations).orderBy(eqaEvaluations.version);
    expect(statuses.map((s) => [s.v, s.s])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'complete'],
    ]);
    expect(statuses.every((s) => s.a === ALGORITHM_VERSION && /^[0-9a-f]{64}$/.test(s.d ?? ''))).toBe(true);

    await publishRound(w.db, gd(), { roundCode: 'RE-1' }, { now: AFTER_CLOSE });
    expect(first(await w.db.select({ s: eqaEvaluations.status }).from(eqaEvaluations).where(eq(eqaEvaluations.version, 3)).limit(1))!.s).toBe('published');
    await expect(async () => await evaluateRound(w.db, gd(), { roundCode: 'RE-1' }, { now: AFTER_CLOSE })).rejects.toThrow(expect.objectContaining({ code: 'conflict' }));
    await expect(async () => await publishRound(w.db, gd(), { roundCode: 'RE-1' }, { now: AFTER_CLOSE })).rejects.toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('a round published while a re-evaluation runs stays published: whichever commits first, the published version is the last one and nothing supersedes it', async () => {
    await makeScheme(w, 'RACE', { analytes: [{ analyte: 'K' }] });
    await makeRound(w, 'RACE', 'RACE-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 4.0 }] });
    for (const [i, lab] of GD_LABS.slice(0, 5).entries()) await submitAs(w, lab, 'RACE-1', [{ sample: 'S1', analyte: 'K', value: 3.9 + 0.05 * i, method: 'ISE' }]);
    await evaluateRound(w.db, gd(), { roundCode: 'RACE-1' }, { now: AFTER_CLOSE });
    // the publication comes from a clock past the running row's staleness (as one on another
    // instance that read before the running row was committed)
    let published: Promise<unknown> | undefined;
    const again = evaluateRound(w.db, gd(), { roundCode: 'RACE-1' }, {
      now: AFTER_CLOSE,
      onProgress: () => void (published ??= publishRound(w.db, gd(), { roundCode: 'RACE-1' }, { now: AFTER_CLOSE + 2 * 3_600_000, afterPublish: () => undefined })),
    });
    const [evaluated] = await Promise.allSettled([again]);
    expect(await published).toMatchObject({ status: 'published' });
    const round = first(await w.db.select({ status: eqaRounds.status }).from(eqaRounds).where(eq(eqaRounds.code, 'RACE-1')).limit(1))!;
    expect(round.status).toBe('published');
    const rows = await sqlRows<{ version: number; status: string }>(w.db, "SELECT e.version AS version, e.status AS status FROM eqa_evaluations e JOIN eqa_rounds r ON r.id = e.round_id WHERE r.code = 'RACE-1' ORDER BY e.version");
    // the publication came first (SQLite: always, its write waits for nothing): the re-evaluation is
    // refused at its write; or the re-evaluation committed first and was then published
    const expected = evaluated.status === 'rejected'
      ? [{ version: 1, status: 'published' }, { version: 2, status: 'failed' }]
      : [{ version: 1, status: 'superseded' }, { version: 2, status: 'published' }];
    expect(rows).toEqual(expected);
    if (evaluated.status === 'rejected') expect(evaluated.reason).toMatchObject({ reason: 'round.alreadyPublished' });
    if (testBackend === 'sqlite') expect(evaluated.status).toBe('rejected');
  });

  it('a full round: created, opened, submitted, closed early, evaluated, published, and the lab reads its report and histogram', async () => {
    await makeScheme(w, 'FULL', { analytes: [{ analyte: 'K' }, { analyte: 'GLU' }] });
    await makeRound(w, 'FULL', 'FULL-1', ['F1', 'F2']);
    for (const [i, lab] of GD_LABS.entries()) { await submitAs(w, lab, 'FULL-1', [
        { sample: 'F1', analyte: 'K', value: 4 + 0.01 * (i % 7), method: 'ISE' },
        { sample: 'F2', analyte: 'K', value: 5 + 0.01 * (i % 5), method: 'ISE' },
        { sample: 'F1', analyte: 'GLU', value: i === 3 ? 9 : 6 + 0.02 * (i % 4), method: 'hexokinase' },
        { sample: 'F2', analyte: 'GLU', value: 8 + 0.02 * (i % 3), method: 'hexokinase' },
      ]); }
    const lab1 = w.labManagers.get('GZ-001')!;
    await expect(async () => await getRoundResults(w.db, lab1, { roundCode: 'FULL-1' })).rejects.toThrow(expect.objectContaining({ code: 'conflict' }));
    await expect(async () => await evaluateRound(w.db, gd(), { roundCode: 'FULL-1' }, { now: NOW })).rejects.toThrow(expect.objectContaining({ code: 'conflict' }));
    await closeRound(w.db, gd(), { roundCode: 'FULL-1' }, { now: NOW + 86_400_000 });
    const s = await evaluateRound(w.db, gd(), { roundCode: 'FULL-1' }, { now: NOW + 86_400_000 });
    expect(s).toMatchObject({ results: 84, scores: 42, unsatisfactory: 1 });
    // evaluated but not published: the lab still sees nothing
    await expect(async () => await getRoundResults(w.db, lab1, { roundCode: 'FULL-1' })).rejects.toThrow(expect.objectContaining({ code: 'conflict' }));
    await publishRound(w.db, gd(), { roundCode: 'FULL-1' }, { now: NOW + 2 * 86_400_000 });
    const own = await getRoundResults(w.db, lab1, { roundCode: 'FULL-1' });
    expect(own.results).toHaveLength(4);
    expect(own.results.every((r) => !('lab' in r))).toBe(true);
    expect(own.analytes.map((a) => [a.analyte, a.verdict])).toEqual([
      ['GLU', 'satisfactory'],
      ['K', 'satisfactory'],
    ]);
    const lab4 = await getRoundResults(w.db, w.labManagers.get('GZ-004')!, { roundCode: 'FULL-1' });
    expect(lab4.analytes.find((a) => a.analyte === 'GLU')).toMatchObject({ score: 50, verdict: 'unsatisfactory' });
    const h = await sampleHistogram(w.db, lab1, { roundCode: 'FULL-1', sample: 'F1', analyte: 'GLU' });
    expect(h.values).toHaveLength(21);
    expect(h.labValue).toBe(6);
    expect(h.lower).toBeLessThan(h.assignedValue!);
    expect(h.upper).toBeGreaterThan(h.assignedValue!);
    const report = await regulatorRoundReport(w.db, gd(), { roundCode: 'FULL-1' });
    if (!report.evaluated) throw new Error('not evaluated');
    expect(report.participants).toBe(21);
    expect(report.failed).toEqual({ rows: [expect.objectContaining({ lab: 'GZ-004', analyte: 'GLU' })], total: 1 });
    expect(report.participation.find((p) => p.analyte === 'K')).toMatchObject({ participants: 21, submitted: 21, passed: 21, passRate: 100 });
  });
});

describe('participation before evaluation', () => {
  it("a city's regulator counts the submissions of the city's labs only, as its participants; the province's counts all", async () => {
    const labs = ['GZ-001', 'GZ-002', 'GZ-003', 'SZ-001', 'SZ-002'];
    await makeScheme(w, 'PART', { analytes: [{ analyte: 'K' }], labCodes: labs });
    await makeRound(w, 'PART', 'PART-1', ['S1']);
    for (const lab of labs.slice(0, 4)) await submitAs(w, lab, 'PART-1', [{ sample: 'S1', analyte: 'K', value: 4 }]);
    const city = await regulatorRoundReport(w.db, w.regulators.sz, { roundCode: 'PART-1' }, { now: NOW });
    const province = await regulatorRoundReport(w.db, gd(), { roundCode: 'PART-1' }, { now: NOW });
    if (city.evaluated || province.evaluated) throw new Error('evaluated');
    expect(city.participation).toEqual([{ analyte: 'K', submitted: 1, participants: 2 }]);
    expect(province.participation).toEqual([{ analyte: 'K', submitted: 4, participants: 5 }]);
  });
});

describe("the regulator's round report reads what grows with the labs one page at a time", () => {
  /** K: every third lab 25 % high; GLU: every fourth 50 % high (unsatisfactory against the references). */
  const prepare = async () => {
    await makeScheme(w, 'PAGED', { analytes: [{ analyte: 'K', percent: 10 }, { analyte: 'GLU', percent: 10 }] });
    await makeRound(w, 'PAGED', 'PAGED-1', ['P1', 'P2'], {
      referenceValues: ['P1', 'P2'].flatMap((sample) => [{ sample, analyte: 'K', value: 4 }, { sample, analyte: 'GLU', value: 6 }]),
    });
    // GZ-002 sends nothing: not submitted, unsatisfactory on both analytes
    for (const [i, lab] of GD_LABS.entries()) {
      if (lab === 'GZ-002') continue;
      await submitAs(w, lab, 'PAGED-1', ['P1', 'P2'].flatMap((sample) => [
        { sample, analyte: 'K', value: i % 3 === 0 ? 5 : 4 },
        { sample, analyte: 'GLU', value: i % 4 === 0 ? 9 : 6 },
      ]));
    }
    await evaluateRound(w.db, gd(), { roundCode: 'PAGED-1' }, { now: AFTER_CLOSE });
  };
  const page = <S extends string>(sort: S, over: Partial<{ page: number; size: number; dir: 'asc' | 'desc'; q: string }> = {}) => ({ page: 1, size: 50, sort, dir: 'asc' as const, q: '', ...over });
  const report = async (actor = gd(), input: Partial<Parameters<typeof regulatorRoundReport>[2]> = {}) => {
    const r = await regulatorRoundReport(w.db, actor, { roundCode: 'PAGED-1', ...input }, { now: AFTER_CLOSE });
    if (!r.evaluated) throw new Error('PAGED-1 is evaluated');
    return r;
  };

  it('participation is counted in SQL as the scores say, within the reader\'s region', async () => {
    await prepare();
    const { id } = (await sqlRows<{ id: number }>(w.db, "select e.id from eqa_evaluations e join eqa_rounds r on r.id = e.round_id where r.code = 'PAGED-1'"))[0];
    for (const actor of [gd(), w.regulators.sz]) {
      const rep = await report(actor);
      // the same figures counted from every score row the reader may see
      const { evaluationScores } = await import('@/db/queries/eqa-reports');
      const { scopeOf } = await import('@/lib/auth/core');
      const scores = await evaluationScores(w.db, id, scopeOf(actor));
      const expected = ['GLU', 'K'].map((analyte) => {
        const s = scores.filter((x) => x.analyte === analyte);
        const passed = s.filter((x) => x.verdict === 'satisfactory').length;
        return { analyte, participants: s.length, submitted: s.filter((x) => !x.notSubmitted).length, passed, passRate: (100 * passed) / s.length };
      });
      expect(rep.participation).toEqual(expected);
      expect(rep.participants).toBe(actor === gd() ? 21 : 10);
    }
    // by hand: 21 labs; K fails for i = 0, 3, …, 18 (7 labs), GLU for i = 0, 4, …, 20 (6 labs), and GZ-002 (i = 1) on both
    expect((await report()).participation).toEqual([
      { analyte: 'GLU', participants: 21, submitted: 20, passed: 14, passRate: (100 * 14) / 21 },
      { analyte: 'K', participants: 21, submitted: 20, passed: 13, passRate: (100 * 13) / 21 },
    ]);
  });

  it('the unsatisfactory lab × analyte list comes a page at a time, sorted and filtered on the server, only of the reader\'s labs', async () => {
    await prepare();
    const all = (await report(gd(), { failed: page('lab', { size: 200 }) })).failed;
    expect(all.total).toBe(15);
    expect(all.rows.map((f) => `${f.lab}:${f.analyte}`)).toEqual(
      [...GD_LABS.flatMap((lab, i) => [...(i % 4 === 0 || i === 1 ? [`${lab}:GLU`] : []), ...(i % 3 === 0 || i === 1 ? [`${lab}:K`] : [])])].sort(),
    );
    expect(all.rows.find((f) => f.lab === 'GZ-002')).toMatchObject({ notSubmitted: true, score: 0 });
    // pages of 4 put together are the whole list, each page counting all
    const pages = [];
    for (let p = 1; p <= 4; p++) pages.push((await report(gd(), { failed: page('lab', { size: 4, page: p }) })).failed);
    expect(pages.map((p) => p.total)).toEqual([15, 15, 15, 15]);
    expect(pages.flatMap((p) => p.rows)).toEqual(all.rows);
    // by analyte, newest pages the other way round
    const byAnalyte = (await report(gd(), { failed: page('analyte', { size: 200, dir: 'desc' }) })).failed.rows.map((f) => `${f.analyte}:${f.lab}`);
    expect(byAnalyte).toEqual(all.rows.map((f) => `${f.analyte}:${f.lab}`).sort().reverse());
    // the filter finds lab codes and analytes in any case
    const glu = (await report(gd(), { failed: page('lab', { q: 'glu' }) })).failed;
    expect([glu.total, glu.rows.every((f) => f.analyte === 'GLU')]).toEqual([7, true]);
    // and the analyte's or the lab's name in either language (the page shows English names in English)
    const glucose = (await report(gd(), { failed: page('lab', { q: 'glucose' }) })).failed;
    expect(glucose).toEqual(glu);
    const [{ nameEn }] = await sqlRows<{ nameEn: string }>(w.db, 'SELECT name_en AS "nameEn" FROM laboratories WHERE code = ?', all.rows[0].lab);
    expect((await report(gd(), { failed: page('lab', { q: nameEn, size: 200 }) })).failed.rows.map((f) => f.lab)).toContain(all.rows[0].lab);
    const sz = (await report(gd(), { failed: page('lab', { q: 'sz-' }) })).failed;
    expect(sz.rows.map((f) => f.lab)).toEqual(all.rows.map((f) => f.lab).filter((l) => l.startsWith('SZ-')));
    // a city's regulator: its own labs only, counted as such
    const city = (await report(w.regulators.sz, { failed: page('lab', { size: 200 }) })).failed;
    expect(city).toEqual({ rows: all.rows.filter((f) => f.lab.startsWith('SZ-')), total: sz.total });
    // a page past the end is empty and still counts
    expect((await report(gd(), { failed: page('lab', { size: 10, page: 9 }) })).failed).toEqual({ rows: [], total: 15 });
  });

  it('the CSV export is written a few labs at a time, the same text whatever the part size, sent from a nameless file; a refusal comes before any byte', async () => {
    await prepare();
    const { writeRoundCsv } = await import('@/lib/services/eqa/reports-csv');
    const written = async (labsPerPart: number) => {
      const parts: string[] = [];
      await writeRoundCsv(w.db, gd(), { roundCode: 'PAGED-1' }, (l) => void parts.push(l), { labsPerPart });
      return parts;
    };
    const whole = await written(1_000);
    const inFours = await written(4);
    // the header, then 6 parts of results (21 labs), then 6 parts of analytes not submitted
    expect([whole.length, inFours.length]).toEqual([3, 13]);
    expect(inFours.join('')).toBe(whole.join(''));
    const lines = whole.join('').trim().split('\r\n');
    // 20 labs × 2 analytes × 2 samples, then GZ-002's two analytes not submitted, last
    expect(lines.length).toBe(1 + 80 + 2);
    expect(lines.slice(-2).map((l) => [l.split(',')[1], l.split(',')[3], l.split(',')[24]])).toEqual([['GZ-002', 'GLU', 'not_submitted'], ['GZ-002', 'K', 'not_submitted']]);
    expect(lines.slice(1, 81).map((l) => l.split(',')[1])).toEqual([...lines.slice(1, 81).map((l) => l.split(',')[1])].sort());
    // sent from a nameless file while the job writes it: a byte-order mark and the same text
    const { streamWhileWritten, writeRoundExport } = await import('@/lib/services/eqa/export-file');
    const { mkdtempSync, readdirSync, rmdirSync } = await import('node:fs');
    const dir = mkdtempSync(`${(await import('node:os')).tmpdir()}/labqc-export-test-`);
    let writtenBytes = 0;
    const body = await streamWhileWritten(async (fd) => {
      const done = await writeRoundExport(w.db, gd(), { roundCode: 'PAGED-1', fd });
      writtenBytes = done.bytes;
      return done;
    }, { dir });
    expect(readdirSync(dir)).toEqual([]);
    const sent = Buffer.from(await new Response(body).arrayBuffer());
    expect([sent.length, [...sent.subarray(0, 3)], sent.subarray(3).toString('utf8')]).toEqual([writtenBytes, [0xef, 0xbb, 0xbf], whole.join('')]);
    // a lab manager is refused before the first byte: the route answers 403 as for any refusal
    await expect(streamWhileWritten((fd) => writeRoundExport(w.db, w.labManagers.get('GZ-001')!, { roundCode: 'PAGED-1', fd }), { dir })).rejects.toMatchObject({ reason: 'auth.forbidden' });
    await expect(streamWhileWritten((fd) => writeRoundExport(w.db, gd(), { roundCode: 'NO-SUCH-ROUND', fd }), { dir })).rejects.toMatchObject({ reason: 'round.notFound' });
    expect(readdirSync(dir)).toEqual([]);
    rmdirSync(dir);
    // a city's regulator: its own labs only
    const city: string[] = [];
    await writeRoundCsv(w.db, w.regulators.sz, { roundCode: 'PAGED-1' }, (l) => void city.push(l), { labsPerPart: 3 });
    expect(new Set(city.join('').trim().split('\r\n').slice(1).map((l) => l.split(',')[1].slice(0, 3)))).toEqual(new Set(['SZ-']));
  });

  it('the export is sent while it is written: the first bytes before the job ends; a failure after them ends the transfer with an error', async () => {
    const { streamWhileWritten } = await import('@/lib/services/eqa/export-file');
    const fs = await import('node:fs');
    const dir = fs.mkdtempSync(`${(await import('node:os')).tmpdir()}/labqc-export-test-`);
    const put = (fd: number, text: string) => fs.writeSync(fd, Buffer.from(text));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let ended = false;
    const body = await streamWhileWritten(async (fd) => {
      put(fd, 'first,part\r\n');
      await held;
      put(fd, 'second,part\r\n');
      ended = true;
      return { bytes: 26 };
    }, { dir, pollMs: 5 });
    const reader = body.getReader();
    const text = (v: Uint8Array | undefined) => Buffer.from(v ?? []).toString('utf8');
    expect([text((await reader.read()).value), ended]).toEqual(['first,part\r\n', false]);
    release();
    expect(text((await reader.read()).value)).toBe('second,part\r\n');
    expect((await reader.read()).done).toBe(true);
    // the job fails after its first bytes: those come, then the stream's error (never a short file that looks whole)
    const failing = await streamWhileWritten(async (fd) => {
      put(fd, 'a,b\r\n');
      await new Promise((resolve) => setTimeout(resolve, 30));
      throw new Error('the database went away');
    }, { dir, pollMs: 5 });
    const r2 = failing.getReader();
    expect(text((await r2.read()).value)).toBe('a,b\r\n');
    await expect(r2.read()).rejects.toThrow('the database went away');
    // a client that goes away: the stream is cancelled while the job still writes, and nothing is left
    const slow = await streamWhileWritten(async (fd) => {
      put(fd, 'x');
      await new Promise((resolve) => setTimeout(resolve, 30));
      put(fd, 'y');
      return { bytes: 2 };
    }, { dir, pollMs: 5 });
    await slow.cancel();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmdirSync(dir);
  });

  it('assigned values come a page at a time and can be filtered by analyte, sample or peer group', async () => {
    await prepare();
    const all = (await report(gd(), { assigned: page('analyte', { size: 200 }) })).assignedValues;
    expect(all.total).toBe(4);
    expect(all.rows.map((a) => `${a.analyte}:${a.sample}`)).toEqual(['GLU:P1', 'GLU:P2', 'K:P1', 'K:P2']);
    const bySample = (await report(gd(), { assigned: page('sample', { size: 200 }) })).assignedValues.rows.map((a) => `${a.sample}:${a.analyte}`);
    expect(bySample).toEqual(['P1:GLU', 'P1:K', 'P2:GLU', 'P2:K']);
    const second = (await report(gd(), { assigned: page('analyte', { size: 1, page: 2 }) })).assignedValues;
    expect(second).toEqual({ rows: [all.rows[1]], total: 4 });
    const p2 = (await report(gd(), { assigned: page('analyte', { q: 'p2' }) })).assignedValues;
    expect(p2.rows.map((a) => `${a.analyte}:${a.sample}`)).toEqual(['GLU:P2', 'K:P2']);
    expect(p2.total).toBe(2);
    // the all-methods group by the name the page shows it by, in either language; an analyte by its name
    for (const q of ['all methods', 'ALL', '全部方法']) expect((await report(gd(), { assigned: page('analyte', { q }) })).assignedValues.total, q).toBe(4);
    expect((await report(gd(), { assigned: page('analyte', { q: 'potassium' }) })).assignedValues.rows.map((a) => a.analyte)).toEqual(['K', 'K']);
  });
});

describe('after publication (recognition re-checks the participants)', () => {
  const prepare = async () => {
    await makeScheme(w, 'HOOK', { analytes: [{ analyte: 'K' }], labCodes: ['GZ-001'] });
    await makeRound(w, 'HOOK', 'HOOK-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 4 }] });
    await submitAs(w, 'GZ-001', 'HOOK-1', [{ sample: 'S1', analyte: 'K', value: 4 }]);
    await evaluateRound(w.db, gd(), { roundCode: 'HOOK-1' }, { now: AFTER_CLOSE });
    return async () => first(await w.db.select().from(eqaRounds).where(eq(eqaRounds.code, 'HOOK-1')).limit(1))!;
  };
  const failures = async () => await w.db.select().from(auditLog).where(eq(auditLog.action, 'eqa.round.publish_hook_failed'));

  it('runs after the commit with the round id (the round is already published when it runs)', async () => {
    const round = await prepare();
    const seen: [number, string][] = [];
    await publishRound(w.db, gd(), { roundCode: 'HOOK-1' }, { now: AFTER_CLOSE, afterPublish: async (db, roundId) => seen.push([roundId, first(await db.select().from(eqaRounds).where(eq(eqaRounds.id, roundId)).limit(1))!.status]) });
    expect(seen).toEqual([[(await round()).id, 'published']]);
    expect(await failures()).toHaveLength(0);
  });

  it('a failure after the commit is logged and does not undo the publication', async () => {
    const round = await prepare();
    const out = await publishRound(w.db, gd(), { roundCode: 'HOOK-1' }, {
      now: AFTER_CLOSE,
      afterPublish: () => {
        throw new Error('recognition is down');
      },
    });
    expect(out.status).toBe('published');
    expect((await round()).status).toBe('published');
    expect((await failures()).map((f) => f.details)).toEqual([{ error: 'recognition is down' }]);
  });
});

describe('published out of order', () => {
  it('a round published after a later one completes its pattern: the later round turns unsuccessful and the pair’s certification is flagged, as in date order', async () => {
    await makeScheme(w, 'OOO', { analytes: [{ analyte: 'K' }], labCodes: ['GZ-001'] });
    const ref = [{ sample: 'S1', analyte: 'K', value: 4 }];
    await makeRound(w, 'OOO', 'OOO-1', ['S1'], { referenceValues: ref, closesAt: NOW + 10 * DAY });
    await makeRound(w, 'OOO', 'OOO-2', ['S1'], { referenceValues: ref, closesAt: NOW + 11 * DAY });
    for (const round of ['OOO-1', 'OOO-2']) await submitAs(w, 'GZ-001', round, [{ sample: 'S1', analyte: 'K', value: 5 }]);
    const later = AFTER_CLOSE + DAY;
    for (const round of ['OOO-1', 'OOO-2']) await evaluateRound(w.db, gd(), { roundCode: round }, { now: later });
    const [{ id: regionId }] = await sqlRows<{ id: number }>(w.db, "select id from regions where code = '440000'");
    const [{ id: labId }] = await sqlRows<{ id: number }>(w.db, "select id from laboratories where code = 'GZ-001'");
    const [{ id: analyteId }] = await sqlRows<{ id: number }>(w.db, "select id from analytes where code = 'K'");
    const cert = await insertCertification(w.db, { labId, analyteId, scopeRegionId: regionId, scope: '广东省', mark: '广东HR', certificateNo: 'T-OOO', status: 'active', validFrom: '2026-01-01', validTo: '2026-12-31', createdAt: NOW, updatedAt: NOW });
    const flag = async () => first(await w.db.select().from(certifications).where(eq(certifications.id, cert.id)).limit(1))!;
    // the later round first: one unsatisfactory event, not yet unsuccessful
    await publishRound(w.db, gd(), { roundCode: 'OOO-2' }, { now: later });
    expect(await flag()).toMatchObject({ flagged: false });
    // then the earlier one: U, U in round order
    await publishRound(w.db, gd(), { roundCode: 'OOO-1' }, { now: later });
    const unsuccessful = await sqlRows<{ code: string; unsuccessful: number | boolean }>(w.db, 'select r.code, s.unsuccessful from eqa_analyte_scores s join eqa_rounds r on r.id = s.round_id order by r.code');
    expect(unsuccessful.map((x) => [x.code, !!x.unsuccessful])).toEqual([['OOO-1', false], ['OOO-2', true]]);
    expect(await flag()).toMatchObject({ flagged: true, flagReason: 'EQA OOO-2: unsuccessful' });
  });
});

describe('rounds closing at the same time', () => {
  it('are ordered by id in the evaluation’s history as in the recomputation after publishing: the second round’s provisional flag counts the first', async () => {
    await makeScheme(w, 'TIE', { analytes: [{ analyte: 'K' }], labCodes: ['GZ-001'] });
    const ref = [{ sample: 'S1', analyte: 'K', value: 4 }];
    for (const round of ['TIE-1', 'TIE-2']) {
      await makeRound(w, 'TIE', round, ['S1'], { referenceValues: ref });
      await submitAs(w, 'GZ-001', round, [{ sample: 'S1', analyte: 'K', value: 5 }]);
    }
    await evaluateRound(w.db, gd(), { roundCode: 'TIE-1' }, { now: AFTER_CLOSE });
    await publishRound(w.db, gd(), { roundCode: 'TIE-1' }, { now: AFTER_CLOSE });
    const second = await evaluateRound(w.db, gd(), { roundCode: 'TIE-2' }, { now: AFTER_CLOSE });
    expect(second.unsuccessful).toBe(1);
    const [row] = await sqlRows<{ unsuccessful: number | boolean }>(w.db, "select s.unsuccessful from eqa_analyte_scores s join eqa_rounds r on r.id = s.round_id where r.code = 'TIE-2'");
    expect(!!row.unsuccessful).toBe(true);
  });
});

describe('the parents of graded results', () => {
  // SQLite declares the foreign keys; PostgreSQL checks them for the whole evaluation in its write
  // transaction (db/pg/differences.ts FOREIGN_KEYS_CHECKED_BY_WRITER)
  it('a graded result whose submission (of the round) or assigned value does not exist is refused and nothing of it stays', async () => {
    await makeScheme(w, 'FK', { analytes: [{ analyte: 'K' }], labCodes: ['GZ-001'] });
    await makeRound(w, 'FK', 'FK-1', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 4 }] });
    await makeRound(w, 'FK', 'FK-2', ['S1'], { referenceValues: [{ sample: 'S1', analyte: 'K', value: 4 }] });
    await submitAs(w, 'GZ-001', 'FK-1', [{ sample: 'S1', analyte: 'K', value: 4.1 }]);
    await submitAs(w, 'GZ-001', 'FK-2', [{ sample: 'S1', analyte: 'K', value: 4.2 }]);
    const out = await evaluateRound(w.db, gd(), { roundCode: 'FK-1' }, { now: AFTER_CLOSE });
    const outOther = await evaluateRound(w.db, gd(), { roundCode: 'FK-2' }, { now: AFTER_CLOSE });
    const rowsOf = async () => await w.db.select().from(eqaResultEvaluations).where(eq(eqaResultEvaluations.evaluationId, out.evaluationId));
    const [{ id: _id, ...row }] = await rowsOf();
    const { roundId } = first(await w.db.select().from(eqaEvaluations).where(eq(eqaEvaluations.id, out.evaluationId)).limit(1))!;
    const [other] = await sqlRows<{ id: number }>(w.db, 'select id from eqa_submissions where round_id <> ?', roundId);
    expect(row.submissionId).not.toBeNull();
    expect(row.assignedValueId).not.toBeNull();
    // the write as the evaluation does it: the row, and on PostgreSQL the writer's check of its parents
    const [otherRow] = await w.db.select().from(eqaResultEvaluations).where(eq(eqaResultEvaluations.evaluationId, outOther.evaluationId));
    const write = (over: Partial<typeof row>) =>
      withTx(w.db, async (tx) => {
        await tx.insert(eqaResultEvaluations).values({ ...row, ...over });
        await checkGradedParents(tx, roundId, out.evaluationId);
      });
    await expect(write({ submissionId: row.submissionId! + 1_000_000 })).rejects.toThrow(testBackend === 'pg' ? /1 graded submissions not in the round/ : /FOREIGN KEY/);
    await expect(write({ assignedValueId: row.assignedValueId! + 1_000_000 })).rejects.toThrow(testBackend === 'pg' ? /1 assigned values missing/ : /FOREIGN KEY/);
    if (testBackend === 'pg') {
      // a submission of another round, the submission with another lab, another evaluation's assigned value
      expect(Number(other.id)).toBe(otherRow.submissionId);
      await expect(write({ submissionId: Number(other.id) })).rejects.toThrow(/1 graded submissions not in the round/);
      await expect(write({ labId: row.labId + 1_000_000 })).rejects.toThrow(/1 graded submissions not in the round/);
      await expect(write({ assignedValueId: otherRow.assignedValueId })).rejects.toThrow(/1 assigned values missing/);
      // the check joins by hash, never a probe per row (the planner knows nothing of the rows just written)
      const plan = await withTx(w.db, async (tx) => await explainGradedParents(tx, roundId, out.evaluationId));
      expect(plan).toMatch(/Hash (Right |Left )?Join/);
      expect(plan).not.toMatch(/Nested Loop/);
      // and the rest of the transaction plans as before
      const setting = await withTx(w.db, async (tx) => {
        await checkGradedParents(tx, roundId, out.evaluationId);
        return (await rawTuples<[string]>(tx, sql`select current_setting('enable_nestloop')`))[0][0];
      });
      expect(setting).toBe('on');
    }
    expect(await rowsOf()).toHaveLength(1);
    await write({});
    expect(await rowsOf()).toHaveLength(2);
    if (testBackend === 'pg') await expect(withTx(w.db, (tx) => lockEvaluationRow(tx, out.evaluationId + 1_000))).rejects.toThrow(/its row is gone/);
  });
});

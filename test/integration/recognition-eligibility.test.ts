// The eligibility engine against a real SQLite file: every default criterion met and not met, with
// the evidence built row by row (tables of cases whose titles read as specifications).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, sqlRows } from '@/test/support/db';
import { findEligibility } from '@/db/queries/recognition';
import { computeEligibility, recomputeEligibility, runDailyEligibility } from '@/lib/services/recognition/eligibility';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import type { CriterionLine } from '@/db/queries/recognition';
import { NOW, addControlSeries, addEqa, addGoodEvidence, addIqc, addRejectedRun, alternating, analyteId, labId, type ControlSeries, type Grade } from './recognition-fixtures';

type World = Awaited<ReturnType<typeof createSeededTestDb>>;

/** Labs of Guangzhou used one per case, so cases never share evidence. */
const GZ = (n: number) => `GZ-${String(n).padStart(3, '0')}`;

describe('eligibility criteria (default policy of Guangdong)', () => {
  let w: World;
  let K: number;
  beforeAll(async () => {
    w = await createSeededTestDb();
    K = await analyteId(w.db, 'K');
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: ['K', 'NA', 'GLU'], reason: 'initial list' }, { now: NOW });
  });
  afterAll(() => w.close());

  const verdict = async (lab: string, analyte = 'K') => {
    await computeEligibility(w.db, { labIds: [await labId(w.db, lab)], now: NOW });
    const r = (await findEligibility(w.db, await labId(w.db, lab), await analyteId(w.db, analyte)))!;
    const lines = r.criteria as CriterionLine[];
    return { eligible: r.eligible, line: (key: string) => lines.find((l) => l.key === key)!, lines };
  };

  it('a pair with full evidence is eligible, every line met with its figure and evidence link', async () => {
    await addGoodEvidence(w.db, await labId(w.db, GZ(1)), K);
    const v = await verdict(GZ(1));
    expect(v.eligible).toBe(true);
    expect(v.lines.map((l) => l.key)).toEqual(['listed', 'eqaSatisfactory', 'eqaNoUnsuccessful', 'iqcCoverage', 'correctiveActions', 'cv']);
    expect(v.lines.every((l) => l.met)).toBe(true);
    expect(v.line('iqcCoverage').figure).toBe(100);
    expect(v.line('eqaSatisfactory').evidence).toMatchObject({ kind: 'eqa_round', href: expect.stringMatching(/^\/lab\/eqa\/T-\d+$/) });
    expect(v.line('iqcCoverage').evidence).toMatchObject({ kind: 'iqc_month', ref: expect.stringMatching(/^2026-\d\d$/) });
  });

  it('an analyte that is not on the region list is not eligible ("listed" not met)', async () => {
    const lab = await labId(w.db, GZ(2));
    await addGoodEvidence(w.db, lab, await analyteId(w.db, 'CL'));
    const v = await verdict(GZ(2), 'CL');
    expect(v.line('listed').met).toBe(false);
    expect(v.eligible).toBe(false);
    expect(v.lines.filter((l) => !l.met).map((l) => l.key)).toEqual(['listed']);
  });

  it.each<[string, Grade[], boolean, boolean, string]>([
    // title, EQA history oldest → newest, eqaSatisfactory met, eqaNoUnsuccessful met, lab
    ['the last 2 rounds satisfactory → met', ['U', 'S', 'S'], true, true, GZ(3)],
    ['the latest round unsatisfactory → not met', ['S', 'S', 'U'], false, true, GZ(4)],
    ['only one graded round → not met (2 needed)', ['S'], false, true, GZ(5)],
    ['an unsuccessful round among the last 3, though the last 2 are satisfactory → not met', ['X', 'S', 'S'], true, false, GZ(6)],
    ['an unsuccessful round 4 rounds ago no longer counts', ['X', 'S', 'S', 'S'], true, true, GZ(7)],
  ])('EQA: %s', async (_title, grades, satisfactory, noUnsuccessful, code) => {
    const lab = await labId(w.db, code);
    await addIqc(w.db, lab, K);
    await addEqa(w.db, lab, K, grades);
    const v = await verdict(code);
    expect(v.line('eqaSatisfactory').met).toBe(satisfactory);
    expect(v.line('eqaNoUnsuccessful').met).toBe(noUnsuccessful);
    expect(v.eligible).toBe(satisfactory && noUnsuccessful);
  });

  it('EQA rounds that are evaluated but not yet published do not count', async () => {
    const lab = await labId(w.db, GZ(8));
    await addIqc(w.db, lab, K);
    await addEqa(w.db, lab, K, ['S', 'S'], { status: 'evaluated' });
    const v = await verdict(GZ(8));
    expect(v.line('eqaSatisfactory').met).toBe(false);
    expect(v.line('eqaSatisfactory').figure).toBeNull();
  });

  it.each<[string, number, number, boolean, string]>([
    // title, coverage, levels, met, lab
    ['IQC with 2 levels on every working day → met', 1, 2, true, GZ(9)],
    ['IQC with 2 levels on 85 % of working days → met (≥ 80 %)', 0.85, 2, true, GZ(10)],
    ['IQC with 2 levels on 70 % of working days → not met', 0.7, 2, false, GZ(11)],
    ['IQC every day but with a single level → not met', 1, 1, false, GZ(2)],
  ])('%s', async (_title, coverage, levels, met, code) => {
    const lab = await labId(w.db, code);
    await addIqc(w.db, lab, K, { coverage, levels });
    await addEqa(w.db, lab, K, ['S', 'S']);
    const v = await verdict(code);
    expect(v.line('iqcCoverage').met).toBe(met);
    expect(v.eligible).toBe(met);
  });

  it.each<[string, number, 'none' | 'open' | 'resolved', boolean, string]>([
    ['a rejected run 10 days ago without a corrective action → not met', 10, 'none', false, 'SZ-001'],
    ['a rejected run 10 days ago with an open corrective action → not met', 10, 'open', false, 'SZ-002'],
    ['a rejected run 10 days ago with a resolved corrective action → met', 10, 'resolved', true, 'SZ-003'],
    ['a rejected run 3 days ago without a corrective action yet → met (7-day grace)', 3, 'none', true, 'SZ-004'],
  ])('%s', async (_title, daysAgo, action, met, code) => {
    const lab = await labId(w.db, code);
    await addGoodEvidence(w.db, lab, K);
    await addRejectedRun(w.db, lab, K, daysAgo, action);
    const v = await verdict(code);
    expect(v.line('correctiveActions').met).toBe(met);
    expect(v.eligible).toBe(met);
    if (!met) expect(v.line('correctiveActions').evidence).toMatchObject({ kind: 'corrective_action', href: expect.stringMatching(/^\/lab\/iqc\/corrective-actions/) });
  });

  it.each<[string, number, boolean, string]>([
    // potassium: allowable CV 2.5 % (WS/T 403-2024); values alternate mean ± spread
    ['cumulative CV about 1 % with potassium allowing 2.5 % → met', 1, true, 'SZ-005'],
    ['cumulative CV about 4 % with potassium allowing 2.5 % → not met', 4, false, 'SZ-006'],
  ])('%s', async (_title, spread, met, code) => {
    const lab = await labId(w.db, code);
    await addIqc(w.db, lab, K, { spread });
    await addEqa(w.db, lab, K, ['S', 'S']);
    const v = await verdict(code);
    expect(v.line('cv').met).toBe(met);
    expect(v.line('cv').target).toBe(2.5);
    expect(Number(v.line('cv').figure)).toBeCloseTo(spread, 0);
  });

  // Issue 9, item 3: K level 1 on lot A (mean 3.50) then lot B (mean 3.80), SD 0.05 each.
  // By hand, values alternating mean ∓ 0.05: sample SD = √(n·0.05²/(n − 1)); n = 30 → 0.0508548,
  // so CV(A) = 0.0508548/3.50 = 1.45 %, CV(B) = 0.0508548/3.80 = 1.34 %, and level 2 (lot C, mean 6.00,
  // n = 60) √(60·0.0025/59)/6 = 0.0504219/6 = 0.84 %. The old criterion pooled lots A
  // and B: mean 3.65, Σ(x − 3.65)² = 15·(0.04 + 0.01 + 0.01 + 0.04) = 1.5, SD √(1.5/59) = 0.15945,
  // CV 4.37 % > 2.5 % and failed the lab.
  const lotChange: ControlSeries[] = [
    { lot: 'A', level: '1', firstDay: 0, values: alternating(3.5, 0.05, 30) },
    { lot: 'B', level: '1', firstDay: 30, values: alternating(3.8, 0.05, 30) },
    { lot: 'C', level: '2', firstDay: 0, values: alternating(6.0, 0.05, 60) },
  ];
  it.each<[string, ControlSeries[], boolean, number | null, { instrument?: string; lot: string; level: string; n: number; cv: number | null; met: boolean | null }[], string]>([
    [
      'K level 1 changing lot (A 3.50, B 3.80, SD 0.05): each lot within 2.5 % → met (pooled it was 4.37 %)',
      lotChange,
      true,
      1.45,
      [
        { lot: 'A', level: '1', n: 30, cv: 1.45, met: true },
        { lot: 'B', level: '1', n: 30, cv: 1.34, met: true },
        { lot: 'C', level: '2', n: 60, cv: 0.84, met: true },
      ],
      'SZ-008',
    ],
    [
      // lot D: 10 values 3.5 ∓ 0.3 → SD √(10·0.09/9) = 0.31623, CV 9.04 %: listed, not judged
      'a group with fewer than 20 values is listed with its CV but not judged',
      [
        { lot: 'A', level: '1', firstDay: 0, values: alternating(3.5, 0.05, 30) },
        { lot: 'D', level: '1', firstDay: 30, values: alternating(3.5, 0.3, 10) },
      ],
      true,
      1.45,
      [
        { lot: 'A', level: '1', n: 30, cv: 1.45, met: true },
        { lot: 'D', level: '1', n: 10, cv: 9.04, met: null },
      ],
      'SZ-009',
    ],
    [
      'no group with 20 values → not met, no figure',
      [{ lot: 'E', level: '1', firstDay: 0, values: alternating(3.5, 0.05, 19) }],
      false,
      null,
      // n = 19: SD √(19·0.0025/18) = 0.05137, CV 1.47 %
      [{ lot: 'E', level: '1', n: 19, cv: 1.47, met: null }],
      'SZ-010',
    ],
    [
      // same lot on two analysers: AU5800 ∓ 0.05 (1.45 %), C702 ∓ 0.10 → SD √(30·0.01/29) = 0.10171, CV 2.91 %
      'per instrument: the same lot within 2.5 % on one analyser and 2.91 % on the other → not met, figure the worst',
      [
        { instrument: 'AU5800', lot: 'F', level: '1', firstDay: 0, values: alternating(3.5, 0.05, 30) },
        { instrument: 'C702', lot: 'F', level: '1', firstDay: 0, values: alternating(3.5, 0.1, 30) },
      ],
      false,
      2.91,
      [
        { instrument: 'AU5800', lot: 'F', level: '1', n: 30, cv: 1.45, met: true },
        { instrument: 'C702', lot: 'F', level: '1', n: 30, cv: 2.91, met: false },
      ],
      'SZ-007',
    ],
  ])('CV per instrument × lot × level: %s', async (_title, series, met, figure, groups, code) => {
    const lab = await labId(w.db, code);
    await addControlSeries(w.db, lab, K, series);
    await addEqa(w.db, lab, K, ['S', 'S']);
    const v = await verdict(code);
    expect(v.line('cv').met).toBe(met);
    expect(v.line('cv').figure).toBe(figure);
    expect(v.line('cv').target).toBe(2.5);
    expect(v.line('cv').groups).toEqual(groups.map((g) => ({ instrument: '', ...g })));
  });

  it('a lab without any evidence for a listed analyte gets a stored "not eligible" verdict', async () => {
    const v = await verdict('SZ-007', 'NA');
    expect(v.eligible).toBe(false);
    expect(v.line('listed').met).toBe(true);
    expect(v.line('iqcCoverage').figure).toBe(0);
  });

  it.each([
    ['a regulator of Zhejiang', () => w.regulators.zj, '440000'],
    ['a city regulator for the whole province', () => w.regulators.sz, '440000'],
    ['a lab manager', () => w.labManagers.get('GZ-001')!, '440000'],
    ['an anonymous caller', () => null as never, '440000'],
  ])('recomputing on demand is refused to %s', async (_t, actor, regionCode) => {
    await expect(async () => await recomputeEligibility(w.db, actor(), { regionCode }, { now: NOW })).rejects.toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('a regulator recomputes their jurisdiction on demand (and it is audited)', async () => {
    const r = await recomputeEligibility(w.db, w.regulators.sz, {}, { now: NOW });
    expect(r.labs).toBe(10);
    expect(r.eligible).toBeGreaterThan(0);
    const audit = (await sqlRows<{ n: number }>(w.db, "SELECT count(*) AS n FROM audit_log WHERE action = 'eligibility.compute' AND actor_email = 'regulator.sz@demo.labqc'"))[0];
    expect(audit.n).toBe(1);
  });
});

describe("the day's eligibility run (the production server's hourly loop in every instance)", () => {
  let w: World;
  beforeAll(async () => {
    w = await createSeededTestDb();
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: ['K'], reason: 'list' }, { now: NOW });
    await addGoodEvidence(w.db, await labId(w.db, 'GZ-001'), await analyteId(w.db, 'K'));
  });
  afterAll(() => w.close());

  const DAY = 86_400_000;
  const stored = async () => (await sqlRows<{ eligible: number | boolean; computedAt: number }>(w.db, 'SELECT eligible, computed_at AS "computedAt" FROM eligibility_results WHERE lab_id = ? AND analyte_id = ?', await labId(w.db, 'GZ-001'), await analyteId(w.db, 'K')))[0];

  it('runs once a day (China time), whichever instance ticks first; several at once run it once', async () => {
    expect(await runDailyEligibility(w.db, NOW)).toMatchObject({ pairs: expect.any(Number) });
    expect(await stored()).toMatchObject({ computedAt: NOW });
    expect(!!(await stored()).eligible).toBe(true);
    expect(await runDailyEligibility(w.db, NOW + 3_600_000)).toBeNull();
    // three instances at once on the next day: one runs it
    const next = NOW + DAY;
    const runs = await Promise.all([0, 1, 2].map((i) => runDailyEligibility(w.db, next + i)));
    expect(runs.filter((r) => r !== null)).toHaveLength(1);
    expect(Number((await stored()).computedAt)).toBeGreaterThanOrEqual(next);
    const claims = await sqlRows<{ n: number }>(w.db, "SELECT count(*) AS n FROM audit_log WHERE action = 'eligibility.daily'");
    expect(Number(claims[0].n)).toBe(2);
  });

  it('so a certified lab whose IQC stopped is no longer eligible on the day its evidence runs out', async () => {
    const later = NOW + 200 * DAY;
    expect(await runDailyEligibility(w.db, later)).not.toBeNull();
    expect(await stored()).toMatchObject({ computedAt: later });
    expect(!!(await stored()).eligible).toBe(false);
  });
});

describe('the corrective-action grace counts from when the rejection was known', () => {
  let w: World;
  let K: number;
  beforeAll(async () => {
    w = await createSeededTestDb();
    K = await analyteId(w.db, 'K');
    await createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: ['K'], reason: 'initial list' }, { now: NOW });
  });
  afterAll(() => w.close());

  it.each<[string, number, boolean, string]>([
    // last month's QC imported two days ago: the rejection was known then, the lab has 7 days
    ['a run rejected 30 days ago, imported 2 days ago, its action open → met', 2, true, 'SZ-001'],
    ['a run rejected 30 days ago, imported 9 days ago, its action still open → not met', 9, false, 'SZ-002'],
  ])('%s', async (_title, importedDaysAgo, met, code) => {
    const lab = await labId(w.db, code);
    await addGoodEvidence(w.db, lab, K);
    await addRejectedRun(w.db, lab, K, 30, 'open', importedDaysAgo);
    await computeEligibility(w.db, { labIds: [lab], now: NOW });
    const r = (await findEligibility(w.db, lab, K))!;
    expect((r.criteria as CriterionLine[]).find((l) => l.key === 'correctiveActions')!.met).toBe(met);
    expect(r.eligible).toBe(met);
  });
});

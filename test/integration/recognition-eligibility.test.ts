// The eligibility engine against a real SQLite file: every default criterion met and not met, with
// the evidence built row by row (tables of cases whose titles read as specifications).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb } from '@/test/support/db';
import { findEligibility } from '@/db/queries/recognition';
import { computeEligibility, recomputeEligibility } from '@/lib/services/recognition/eligibility';
import { createPolicyVersion } from '@/lib/services/recognition/policy';
import type { CriterionLine } from '@/db/queries/recognition';
import { NOW, addEqa, addGoodEvidence, addIqc, addRejectedRun, analyteId, labId, type Grade } from './recognition-fixtures';

type World = ReturnType<typeof createSeededTestDb>;

/** Labs of Guangzhou used one per case, so cases never share evidence. */
const GZ = (n: number) => `GZ-${String(n).padStart(3, '0')}`;

describe('eligibility criteria (default policy of Guangdong)', () => {
  let w: World;
  let K: number;
  beforeAll(() => {
    w = createSeededTestDb();
    K = analyteId(w.db, 'K');
    createPolicyVersion(w.db, w.regulators.gd, { regionCode: '440000', effectiveFrom: '2025-01-01', analyteCodes: ['K', 'NA', 'GLU'], reason: 'initial list' }, { now: NOW });
  });
  afterAll(() => w.close());

  const verdict = (lab: string, analyte = 'K') => {
    computeEligibility(w.db, { withinPath: null, labIds: [labId(w.db, lab)], now: NOW });
    const r = findEligibility(w.db, labId(w.db, lab), analyteId(w.db, analyte))!;
    const lines = r.criteria as CriterionLine[];
    return { eligible: r.eligible, line: (key: string) => lines.find((l) => l.key === key)!, lines };
  };

  it('a pair with full evidence is eligible, every line met with its figure and evidence link', () => {
    addGoodEvidence(w.db, labId(w.db, GZ(1)), K);
    const v = verdict(GZ(1));
    expect(v.eligible).toBe(true);
    expect(v.lines.map((l) => l.key)).toEqual(['listed', 'eqaSatisfactory', 'eqaNoUnsuccessful', 'iqcCoverage', 'correctiveActions', 'cv']);
    expect(v.lines.every((l) => l.met)).toBe(true);
    expect(v.line('iqcCoverage').figure).toBe(100);
    expect(v.line('eqaSatisfactory').evidence).toMatchObject({ kind: 'eqa_round', href: expect.stringMatching(/^\/lab\/eqa\/T-\d+$/) });
    expect(v.line('iqcCoverage').evidence).toMatchObject({ kind: 'iqc_month', ref: expect.stringMatching(/^2026-\d\d$/) });
  });

  it('an analyte that is not on the region list is not eligible ("listed" not met)', () => {
    const lab = labId(w.db, GZ(2));
    addGoodEvidence(w.db, lab, analyteId(w.db, 'CL'));
    const v = verdict(GZ(2), 'CL');
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
  ])('EQA: %s', (_title, grades, satisfactory, noUnsuccessful, code) => {
    const lab = labId(w.db, code);
    addIqc(w.db, lab, K);
    addEqa(w.db, lab, K, grades);
    const v = verdict(code);
    expect(v.line('eqaSatisfactory').met).toBe(satisfactory);
    expect(v.line('eqaNoUnsuccessful').met).toBe(noUnsuccessful);
    expect(v.eligible).toBe(satisfactory && noUnsuccessful);
  });

  it('EQA rounds that are evaluated but not yet published do not count', () => {
    const lab = labId(w.db, GZ(8));
    addIqc(w.db, lab, K);
    addEqa(w.db, lab, K, ['S', 'S'], { status: 'evaluated' });
    const v = verdict(GZ(8));
    expect(v.line('eqaSatisfactory').met).toBe(false);
    expect(v.line('eqaSatisfactory').figure).toBeNull();
  });

  it.each<[string, number, number, boolean, string]>([
    // title, coverage, levels, met, lab
    ['IQC with 2 levels on every working day → met', 1, 2, true, GZ(9)],
    ['IQC with 2 levels on 85 % of working days → met (≥ 80 %)', 0.85, 2, true, GZ(10)],
    ['IQC with 2 levels on 70 % of working days → not met', 0.7, 2, false, GZ(11)],
    ['IQC every day but with a single level → not met', 1, 1, false, GZ(2)],
  ])('%s', (_title, coverage, levels, met, code) => {
    const lab = labId(w.db, code);
    addIqc(w.db, lab, K, { coverage, levels });
    addEqa(w.db, lab, K, ['S', 'S']);
    const v = verdict(code);
    expect(v.line('iqcCoverage').met).toBe(met);
    expect(v.eligible).toBe(met);
  });

  it.each<[string, number, 'none' | 'open' | 'resolved', boolean, string]>([
    ['a rejected run 10 days ago without a corrective action → not met', 10, 'none', false, 'SZ-001'],
    ['a rejected run 10 days ago with an open corrective action → not met', 10, 'open', false, 'SZ-002'],
    ['a rejected run 10 days ago with a resolved corrective action → met', 10, 'resolved', true, 'SZ-003'],
    ['a rejected run 3 days ago without a corrective action yet → met (7-day grace)', 3, 'none', true, 'SZ-004'],
  ])('%s', (_title, daysAgo, action, met, code) => {
    const lab = labId(w.db, code);
    addGoodEvidence(w.db, lab, K);
    addRejectedRun(w.db, lab, K, daysAgo, action);
    const v = verdict(code);
    expect(v.line('correctiveActions').met).toBe(met);
    expect(v.eligible).toBe(met);
    if (!met) expect(v.line('correctiveActions').evidence).toMatchObject({ kind: 'corrective_action', href: expect.stringMatching(/^\/lab\/iqc\/corrective-actions/) });
  });

  it.each<[string, number, boolean, string]>([
    // potassium: allowable CV 2.5 % (WS/T 403-2024); values alternate mean ± spread
    ['cumulative CV about 1 % with potassium allowing 2.5 % → met', 1, true, 'SZ-005'],
    ['cumulative CV about 4 % with potassium allowing 2.5 % → not met', 4, false, 'SZ-006'],
  ])('%s', (_title, spread, met, code) => {
    const lab = labId(w.db, code);
    addIqc(w.db, lab, K, { spread });
    addEqa(w.db, lab, K, ['S', 'S']);
    const v = verdict(code);
    expect(v.line('cv').met).toBe(met);
    expect(v.line('cv').target).toBe(2.5);
    expect(Number(v.line('cv').figure)).toBeCloseTo(spread, 0);
  });

  it('a lab without any evidence for a listed analyte gets a stored "not eligible" verdict', () => {
    const v = verdict('SZ-007', 'NA');
    expect(v.eligible).toBe(false);
    expect(v.line('listed').met).toBe(true);
    expect(v.line('iqcCoverage').figure).toBe(0);
  });

  it.each([
    ['a regulator of Zhejiang', () => w.regulators.zj, '440000'],
    ['a city regulator for the whole province', () => w.regulators.sz, '440000'],
    ['a lab manager', () => w.labManagers.get('GZ-001')!, '440000'],
    ['an anonymous caller', () => null as never, '440000'],
  ])('recomputing on demand is refused to %s', (_t, actor, regionCode) => {
    expect(() => recomputeEligibility(w.db, actor(), { regionCode }, { now: NOW })).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('a regulator recomputes their jurisdiction on demand (and it is audited)', () => {
    const r = recomputeEligibility(w.db, w.regulators.sz, {}, { now: NOW });
    expect(r.labs).toBe(10);
    expect(r.eligible).toBeGreaterThan(0);
    const audit = w.db.$client.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'eligibility.compute' AND actor_email = 'regulator.sz@demo.labqc'").get() as { n: number };
    expect(audit.n).toBe(1);
  });
});

// The recognition criteria per item kind (issue 12), pure: IQC coverage of qualitative and ordinal
// items counts the working days with both a negative and a positive control, of nominal items the
// days with controls of two known categories; the CV criterion is not applicable to them; a
// quantitative item's lines are unchanged by the new evidence fields. Windows by hand: 14 days
// before Monday 2026-06-15 on the weekdays-only calendar = the 10 weekdays 2026-06-01 … 2026-06-12.
import { describe, expect, it } from 'vitest';
import { evaluatePair, type PairEvidence } from '@/lib/services/recognition/eligibility';
import type { EffectivePolicy } from '@/lib/services/recognition/policy';
import { policyCriteria } from '@/lib/validation/recognition';
import { addDays, WEEKDAYS_ONLY } from '@/lib/calendar';
import { windowsOf } from '@/lib/services/recognition/window';

const TODAY = '2026-06-15';
const WEEKDAYS = ['01', '02', '03', '04', '05', '08', '09', '10', '11', '12'].map((d) => `2026-06-${d}`);
const policy: EffectivePolicy = {
  id: 1,
  regionId: 1,
  regionCode: '440000',
  regionName: '广东',
  version: 1,
  effectiveFrom: '2025-01-01',
  createdAt: Date.parse('2024-12-01T00:00:00Z'),
  criteria: policyCriteria.parse({ iqcWindowDays: 14, iqcCoveragePercent: 80 }),
  analyteCodes: ['HBSAG', 'U_PRO', 'ABO_FWD', 'K'],
  validityMonths: 12,
  windows: windowsOf(null),
  inherited: false,
};
const eqa = [1, 2].map((i) => ({ roundId: i, roundCode: `R${i}`, score: 100, verdict: 'satisfactory' as const, notSubmitted: 0, unsuccessful: 0 }));
const evidence = (over: Partial<PairEvidence>): PairEvidence => ({ analyteCode: 'HBSAG', allowableCvPercent: null, eqa, levelDays: new Map(), cvGroups: new Map(), overdueRuns: [], ...over });
/** controls on the first `n` weekdays of the window */
const controlDays = (n: number, day: (i: number) => { negative: boolean; positive: boolean; categories: number }) => new Map(WEEKDAYS.slice(0, n).map((d, i) => [d, day(i)]));
const line = (r: ReturnType<typeof evaluatePair>, key: string) => r.lines.find((l) => l.key === key)!;

describe('recognition criteria per item kind', () => {
  it('the window holds the 10 weekdays before today', () => expect(addDays(TODAY, -14)).toBe('2026-06-01'));

  it('qualitative: 8 of 10 days with both controls meets 80 %; the CV line is not applicable and met', () => {
    const r = evaluatePair(policy, evidence({ kind: 'qualitative', controlDays: controlDays(10, (i) => ({ negative: true, positive: i < 8, categories: i < 8 ? 2 : 1 })) }), TODAY, WEEKDAYS_ONLY);
    expect(line(r, 'iqcCoverage')).toMatchObject({ met: true, figure: 80, target: 80, controls: { rule: 'negativeAndPositive', workingDays: 10, negativeDays: 10, positiveDays: 8, coveredDays: 8 } });
    expect(line(r, 'cv')).toEqual({ key: 'cv', met: true, applicable: false, figure: null, target: null, evidence: null });
    expect(r.eligible).toBe(true);
  });

  it('ordinal: 7 of 10 days with both controls (70 %) is not met, even with 2 levels every day', () => {
    const levelDays = new Map(WEEKDAYS.map((d) => [d, 2]));
    const r = evaluatePair(policy, evidence({ analyteCode: 'U_PRO', kind: 'ordinal', levelDays, controlDays: controlDays(10, (i) => ({ negative: i < 7, positive: true, categories: 2 })) }), TODAY, WEEKDAYS_ONLY);
    expect(line(r, 'iqcCoverage')).toMatchObject({ met: false, figure: 70, controls: { negativeDays: 7, positiveDays: 10, coveredDays: 7 } });
    expect(r.eligible).toBe(false);
  });

  it('nominal (ABO): two known categories count, whichever they are; one category does not', () => {
    // A1 and B cells: the lowest category (A) and a higher one; B and O cells: no "negative" at all
    const r = evaluatePair(policy, evidence({ analyteCode: 'ABO_FWD', kind: 'nominal', controlDays: controlDays(10, (i) => ({ negative: i < 5, positive: true, categories: i < 9 ? 2 : 1 })) }), TODAY, WEEKDAYS_ONLY);
    expect(line(r, 'iqcCoverage')).toMatchObject({ met: true, figure: 90, controls: { rule: 'twoKnownCategories', coveredDays: 9 } });
  });

  it('a categorical item without any control is not covered (0 %)', () => {
    const r = evaluatePair(policy, evidence({ kind: 'qualitative' }), TODAY, WEEKDAYS_ONLY);
    expect(line(r, 'iqcCoverage')).toMatchObject({ met: false, figure: 0, controls: { workingDays: 10, negativeDays: 0, positiveDays: 0, coveredDays: 0 } });
  });

  it('quantitative: levels decide, no control counts on the line, and the CV criterion applies', () => {
    const levelDays = new Map(WEEKDAYS.map((d, i) => [d, i < 8 ? 2 : 1]));
    const r = evaluatePair(policy, evidence({ analyteCode: 'K', kind: 'quantitative', levelDays, controlDays: controlDays(10, () => ({ negative: true, positive: true, categories: 2 })) }), TODAY, WEEKDAYS_ONLY);
    const coverage = line(r, 'iqcCoverage');
    expect(coverage).toMatchObject({ met: true, figure: 80 });
    expect(coverage).not.toHaveProperty('controls');
    expect(line(r, 'cv')).toMatchObject({ met: false, figure: null, groups: [] });
    expect(line(r, 'cv')).not.toHaveProperty('applicable');
  });
});

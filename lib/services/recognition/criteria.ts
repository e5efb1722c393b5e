// The eligibility criteria of one lab × analyte, pure: the evidence a pair brings (read by
// ./eligibility.ts from the database) judged against the policy in force on a day. The evidence
// decisions are documented at the top of ./eligibility.ts.
import type { AnalyteKind } from '@/db/enums';
import type { CriterionLine, CvGroup, EqaScoreRow } from '@/db/queries/recognition';
import { cvWithinAllowable, describeMoments, MIN_BASELINE_POINTS, roundCvPercent, type Moments } from '@/lib/stats';
import type { PolicyCriteria } from '@/lib/validation/recognition';
import { addDays, workingDaysEnding, type WorkCalendar } from '@/lib/calendar';
import type { EffectivePolicy } from './policy';

export const CRITERION_KEYS = ['listed', 'eqaSatisfactory', 'eqaNoUnsuccessful', 'iqcCoverage', 'correctiveActions', 'cv'] as const;
export type CriterionKey = (typeof CRITERION_KEYS)[number];

/** Everything known about one lab × analyte, as the pure evaluation needs it. */
export interface PairEvidence {
  analyteCode: string;
  /** the item's kind (absent: quantitative); qualitative, ordinal and nominal items are judged on
   * their controls' categories instead of levels, and have no CV criterion (see ./eligibility.ts) */
  kind?: AnalyteKind;
  allowableCvPercent: number | null;
  /** graded EQA rounds, newest first */
  eqa: Pick<EqaScoreRow, 'roundId' | 'roundCode' | 'score' | 'verdict' | 'notSubmitted' | 'unsuccessful'>[];
  /** day → distinct levels measured that day */
  levelDays: Map<string, number>;
  /** control lot id (instrument × lot × level) → n, mean and Σ(x − mean)² of its values in the
   * window (not excluded, not from rejected runs), combined from the daily aggregates */
  cvGroups: Map<number, { instrument: string; lot: string; level: string; moments: Moments }>;
  /** categorical items: day → which controls were run (db/queries/iqc-qualitative.ts
   * `controlCoverageOfLabs`): one expecting the lowest (negative) category, one expecting a higher
   * one, and how many distinct categories the day's controls expect */
  controlDays?: Map<string, { negative: boolean; positive: boolean; categories: number }>;
  /** rejected runs past the grace period without a resolved corrective action, oldest first */
  overdueRuns: { runId: number; actionId: number | null; measuredAt: number }[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** In-control values a control group needs before its CV is judged (CLSI C24, WS/T 641-2018: 20). */
export const CV_MIN_VALUES = MIN_BASELINE_POINTS;

/**
 * The CV criterion over a pair's control groups (instrument × lot × level). Pure. Groups come back
 * sorted by instrument, lot and level; `met` is null for a group below {@link CV_MIN_VALUES}.
 */
export function cvCriterion(groups: PairEvidence['cvGroups'], allowableCvPercent: number | null) {
  const collator = new Intl.Collator('en', { numeric: true });
  const out: CvGroup[] = [...groups.values()]
    .map((g) => {
      const d = describeMoments(g.moments);
      const cv = Number.isFinite(d.cv) ? roundCvPercent(d.cv) : null;
      const evaluable = d.n >= CV_MIN_VALUES && cv !== null;
      return { instrument: g.instrument, lot: g.lot, level: g.level, n: d.n, cv, met: evaluable ? (cvWithinAllowable(cv, allowableCvPercent) ?? true) : null };
    })
    .sort((a, b) => collator.compare(a.instrument, b.instrument) || collator.compare(a.lot, b.lot) || collator.compare(a.level, b.level));
  const judged = out.filter((g) => g.met !== null);
  const worst = judged.reduce<number | null>((w, g) => (w === null || g.cv! > w ? g.cv : w), null);
  return { met: judged.length > 0 && judged.every((g) => g.met), figure: worst, groups: out };
}
const month = (day: string) => day.slice(0, 7);

/**
 * Judge one lab × analyte against a policy on a day. Pure (no database, no clock): `today` is the
 * day of the computation, `calendar` the lab's working calendar. Returns every criterion line; the
 * pair is eligible when all are met.
 */
export function evaluatePair(policy: EffectivePolicy | null, ev: PairEvidence, today: string, calendar: WorkCalendar): { eligible: boolean; lines: CriterionLine[] } {
  const c: PolicyCriteria | null = policy?.criteria ?? null;
  const lines: CriterionLine[] = [];
  const iqcHref = (m: string) => `/lab/iqc/summary?month=${m}`;

  lines.push({ key: 'listed', met: !!policy && policy.analyteCodes.includes(ev.analyteCode), figure: policy ? `${policy.regionCode} v${policy.version}` : null });
  if (!c) return { eligible: false, lines };

  // EQA: the last N rounds satisfactory
  const lastN = ev.eqa.slice(0, c.eqaSatisfactoryRounds);
  const failing = lastN.find((r) => r.verdict !== 'satisfactory' || r.notSubmitted);
  const eqaRef = failing ?? lastN[0];
  lines.push({
    key: 'eqaSatisfactory',
    met: lastN.length >= c.eqaSatisfactoryRounds && !failing,
    figure: lastN.length ? lastN.map((r) => round1(r.score)).join(' / ') : null,
    target: c.eqaSatisfactoryRounds,
    evidence: eqaRef ? { kind: 'eqa_round', ref: eqaRef.roundCode, href: `/lab/eqa/${encodeURIComponent(eqaRef.roundCode)}` } : null,
  });

  // EQA: none of the last M rounds unsuccessful
  const lastM = ev.eqa.slice(0, c.eqaUnsuccessfulWindow);
  const unsuccessful = lastM.filter((r) => r.unsuccessful);
  lines.push({
    key: 'eqaNoUnsuccessful',
    met: lastM.length > 0 && unsuccessful.length === 0,
    figure: unsuccessful.length,
    target: c.eqaUnsuccessfulWindow,
    evidence: unsuccessful[0] ? { kind: 'eqa_round', ref: unsuccessful[0].roundCode, href: `/lab/eqa/${encodeURIComponent(unsuccessful[0].roundCode)}` } : null,
  });

  // IQC performed on enough working days: with enough levels (quantitative items), with both a
  // negative and a positive control (qualitative, ordinal), with controls of two known categories
  // (nominal: e.g. A1 and B cells for ABO, D+ and D− cells for RhD)
  const categorical = !!ev.kind && ev.kind !== 'quantitative';
  const rule = !categorical ? null : ev.kind === 'nominal' ? ('twoKnownCategories' as const) : ('negativeAndPositive' as const);
  const controls = { negativeDays: 0, positiveDays: 0 };
  const yesterday = addDays(today, -1);
  const working = workingDaysEnding(yesterday, c.iqcWindowDays, calendar);
  const byMonth = new Map<string, { days: number; covered: number }>();
  let covered = 0;
  for (const d of working) {
    let ok: boolean;
    if (rule) {
      const cd = ev.controlDays?.get(d);
      if (cd?.negative) controls.negativeDays++;
      if (cd?.positive) controls.positiveDays++;
      ok = !!cd && (rule === 'negativeAndPositive' ? cd.negative && cd.positive : cd.categories >= 2);
    } else ok = (ev.levelDays.get(d) ?? 0) >= c.iqcMinLevels;
    if (ok) covered++;
    const m = byMonth.get(month(d)) ?? { days: 0, covered: 0 };
    m.days++;
    if (ok) m.covered++;
    byMonth.set(month(d), m);
  }
  const coverage = working.length ? (100 * covered) / working.length : 0;
  let worstMonth = month(yesterday);
  let worstShare = Infinity;
  for (const [m, v] of byMonth) {
    const share = v.covered / v.days;
    if (share < worstShare) [worstShare, worstMonth] = [share, m];
  }
  const coverageLine: CriterionLine = {
    key: 'iqcCoverage',
    met: coverage >= c.iqcCoveragePercent,
    figure: round1(coverage),
    target: c.iqcCoveragePercent,
    evidence: { kind: 'iqc_month', ref: worstMonth, href: iqcHref(worstMonth) },
  };
  if (rule) coverageLine.controls = { rule, workingDays: working.length, ...controls, coveredDays: covered };
  lines.push(coverageLine);

  // rejected runs have their corrective action
  const overdue = ev.overdueRuns[0];
  lines.push({
    key: 'correctiveActions',
    met: ev.overdueRuns.length === 0,
    figure: ev.overdueRuns.length,
    target: c.correctiveActionDays,
    evidence: overdue ? { kind: 'corrective_action', ref: String(overdue.actionId ?? overdue.runId), href: overdue.actionId ? `/lab/iqc/corrective-actions/${overdue.actionId}` : '/lab/iqc/corrective-actions' } : null,
  });

  // cumulative CV per instrument × lot × level; not applicable to categorical items (./eligibility.ts)
  if (c.requireCv && categorical) lines.push({ key: 'cv', met: true, applicable: false, figure: null, target: null, evidence: null });
  else if (c.requireCv) {
    const cv = cvCriterion(ev.cvGroups, ev.allowableCvPercent);
    lines.push({
      key: 'cv',
      met: cv.met,
      figure: cv.figure,
      target: ev.allowableCvPercent,
      evidence: { kind: 'iqc_month', ref: month(yesterday), href: `/lab/iqc/chart?analyte=${encodeURIComponent(ev.analyteCode)}` },
      groups: cv.groups,
    });
  }
  return { eligible: lines.every((l) => l.met), lines };
}

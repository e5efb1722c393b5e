// Monthly IQC review per analyte × level (× lot and instrument when they change within the month):
// n, mean, SD, CV, bias against the target, CV against the analyte's allowable CV, sigma metric (with
// the EQA bias) and violations by rule, and the rule set of each analyte × instrument with its
// reason; with a CSV export. Rejected runs stay on the chart but out of the statistics.
import type { DB } from '@/db/client';
import { listAnalytes } from '@/db/queries/analytes';
import { summaryValues, violationsOfResultsInRange } from '@/db/queries/iqc';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { toCsv } from '@/lib/csv';
import { cvWithinAllowable, describe, iqcBiasPercent, sigmaMetric, type ResultAgainstTarget } from '@/lib/stats';
import { monthInput } from '@/lib/validation/iqc';
import { resolveReadableLab } from './views';
import { eqaBiasOfLab, type EqaBias } from './sigma';
import { ruleChoicesAt } from './rules';
import { monthOf, monthRange } from '@/lib/calendar';

export interface SummaryRow {
  analyte: string;
  nameEn: string;
  nameZh: string;
  unit: string;
  instrument: string;
  level: string;
  lot: string;
  /** values of runs that were not rejected */
  n: number;
  /** all values including rejected runs */
  total: number;
  mean: number | null;
  sd: number | null;
  cv: number | null;
  /** the month's last target (of the lot's latest version in force in the month) */
  targetMean: number | null;
  targetSd: number | null;
  /** how many different target means the month's results were judged against (more than one: the
   * bias compares each result with its own) */
  targetMeans: number;
  biasPercent: number | null;
  allowableCv: number | null;
  /** CV ≤ allowable CV (null when either is unknown) */
  cvOk: boolean | null;
  /** sigma with the EQA bias at the month's end (null without TEa %, EQA bias or CV) */
  sigma: number | null;
  /** the EQA bias the sigma uses, with its rounds */
  eqaBias: EqaBias | null;
  rejectedRuns: number;
  violations: Record<string, number>;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

export async function monthlySummary(db: DB, actor: Actor, q: { lab?: string | null; month?: string | null }, now = Date.now()) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  const month = q.month || monthOf(now);
  const m = monthInput.safeParse(month);
  if (!m.success) throw new AppError('iqc.invalidMonth', {}, [fieldError('value.month', {}, 'month')]);
  const { from, to } = monthRange(month);
  const catalogue = new Map((await listAnalytes(db)).map((a) => [a.id, a]));
  type Acc = { key: string; analyteId: number; instrument: string; level: string; lot: string; values: number[]; againstTargets: ResultAgainstTarget[]; total: number; mean: number | null; sd: number | null; rejectedRuns: Set<number>; violations: Record<string, number> };
  const groups = new Map<string, Acc>();
  const keyOfRunLevel = new Map<string, string>();
  for (const v of await summaryValues(db, scope.labId, from, to)) {
    const key = `${v.analyteId}|${v.instrument}|${v.level}|${v.lot}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, analyteId: v.analyteId, instrument: v.instrument, level: v.level, lot: v.lot, values: [], againstTargets: [], total: 0, mean: null, sd: null, rejectedRuns: new Set(), violations: {} }));
    g.total++;
    keyOfRunLevel.set(`${v.runId}|${v.level}`, key);
    if (v.status === 'rejected') g.rejectedRuns.add(v.runId);
    // a value of ±Infinity can only be one stored before the ingest refused them (value.notFinite): counted, not described
    else if (!v.excluded && Number.isFinite(v.value)) {
      g.values.push(v.value);
      // the bias compares each result with the target in force for it (a month with a new target
      // version mid-way compared every result with the last version: the sign could flip)
      if (v.mean !== null) g.againstTargets.push({ value: v.value, targetMean: v.mean });
    }
    if (v.mean !== null) {
      g.mean = v.mean;
      g.sd = v.sd;
    }
  }
  // by the runs of the month's results, as the values: a run across the month's first midnight
  // keeps each level's violations in the month of that level's result
  for (const v of await violationsOfResultsInRange(db, scope.labId, from, to)) {
    for (const level of v.levels) {
      const g = groups.get(keyOfRunLevel.get(`${v.runId}|${level}`) ?? '');
      if (g) g.violations[v.rule] = (g.violations[v.rule] ?? 0) + 1;
    }
  }
  const collator = new Intl.Collator('en', { numeric: true });
  const biasAt = await eqaBiasOfLab(db, scope.labId);
  const rows: SummaryRow[] = [...groups.values()].map((g) => {
    const a = catalogue.get(g.analyteId)!;
    const d = describe(g.values);
    const mean = finite(d.mean);
    const cv = finite(d.cv);
    const bias = iqcBiasPercent(g.againstTargets);
    const allowableCv = a.allowableCvPercent ?? null;
    // sigma with the EQA bias (DOMAIN.md §4), never the bias against the lab's own target mean
    const eqaBias = biasAt(g.analyteId, to);
    let sigma: number | null = null;
    if (a.teaPercent != null && eqaBias !== null && cv !== null && cv > 0) sigma = sigmaMetric(a.teaPercent, eqaBias.percent, cv);
    return {
      analyte: a.code,
      nameEn: a.nameEn,
      nameZh: a.nameZh,
      unit: a.unit,
      instrument: g.instrument,
      level: g.level,
      lot: g.lot,
      n: d.n,
      total: g.total,
      mean,
      sd: finite(d.sd),
      cv,
      targetMean: g.mean,
      targetSd: g.sd,
      targetMeans: new Set(g.againstTargets.map((r) => r.targetMean)).size,
      biasPercent: bias,
      allowableCv,
      cvOk: cvWithinAllowable(cv, allowableCv),
      sigma,
      eqaBias,
      rejectedRuns: g.rejectedRuns.size,
      violations: g.violations,
    };
  });
  rows.sort((x, y) => x.analyte.localeCompare(y.analyte) || x.instrument.localeCompare(y.instrument) || collator.compare(x.level, y.level) || x.lot.localeCompare(y.lot));
  // the rule set of each analyte × instrument of the month, as chosen for its last run of the month
  const seen = new Set(rows.map((r) => `${r.analyte}|${r.instrument}`));
  const choices = (await ruleChoicesAt(db, scope.labId, to)).filter((c) => seen.has(`${c.analyte}|${c.instrument}`));
  return { labId: scope.labId, month, rows, choices };
}

const round = (x: number | null, d: number) => (x === null ? '' : Number(x.toFixed(d)));

/** The monthly summary as CSV (lib/csv toCsv: quoted, formula-safe). */
export async function monthlySummaryCsv(db: DB, actor: Actor, q: { lab?: string | null; month?: string | null }, now = Date.now()) {
  const { month, rows } = await monthlySummary(db, actor, q, now);
  const header = ['month', 'analyte_code', 'instrument', 'level', 'lot', 'n', 'mean', 'sd', 'cv_percent', 'target_mean', 'target_sd', 'bias_percent', 'allowable_cv_percent', 'cv_within_allowable', 'sigma', 'rejected_runs', 'violations', 'eqa_bias_percent', 'eqa_bias_source'];
  const body = rows.map((r) => [
    month,
    r.analyte,
    r.instrument,
    r.level,
    r.lot,
    r.n,
    round(r.mean, 4),
    round(r.sd, 4),
    round(r.cv, 2),
    round(r.targetMean, 4),
    round(r.targetSd, 4),
    round(r.biasPercent, 2),
    r.allowableCv ?? '',
    r.cvOk === null ? '' : r.cvOk ? 'yes' : 'no',
    round(r.sigma, 2),
    r.rejectedRuns,
    Object.entries(r.violations)
      .map(([k, v]) => `${k}:${v}`)
      .join(' '),
    round(r.eqaBias?.percent ?? null, 2),
    r.eqaBias?.source ?? '',
  ]);
  return { month, filename: `iqc-summary-${month}.csv`, csv: toCsv(header, body) };
}

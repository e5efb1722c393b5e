// The Levey-Jennings chart of one analyte at a lab: plain arrays per control level for a client chart,
// with each point's rules, corrective action and exclusion.
import type { DB } from '@/db/client';
import { findAnalyteByCode } from '@/db/queries/analytes';
import { actionsOfResultsInRange, chartPoints, violationsOfResultsInRange } from '@/db/queries/iqc';
import type { Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { DAY_MS } from '@/lib/calendar';
import { readRange } from './time';
import { resolveReadableLab } from './views';

export interface ChartPoint {
  resultId: number;
  runId: number;
  t: number;
  value: number;
  /** a categorical item's reading (category code), its signal (S/CO) and what its lot expects */
  category: string | null;
  signal: number | null;
  expected: string | null;
  z: number | null;
  mean: number | null;
  sd: number | null;
  lot: string;
  status: string;
  operator: string | null;
  rules: string[];
  actionId: number | null;
  actionStatus: string | null;
  version: number;
  /** excluded by the lab from the rules and statistics (shown on the chart, with the reason) */
  excluded: boolean;
  excludedReason: string | null;
}

export interface ChartPanel {
  level: string;
  points: ChartPoint[];
  /** the first time each lot (after the first) appears: lot boundaries */
  lotChanges: { t: number; lot: string }[];
}

/** The longest period a chart draws (a year and a day: a leap year whole). */
export const CHART_MAX_DAYS = 367;

/** Levey-Jennings data of one analyte (one panel per level), for a date range (default 90 days). */
export async function chartData(db: DB, actor: Actor, q: { lab?: string | null; analyte: string; from?: string | null; to?: string | null; instrument?: string | null }, now = Date.now()) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  const analyte = await findAnalyteByCode(db, q.analyte.trim().toUpperCase());
  if (!analyte) throw new AppError('analyte.unknown', { analyte: q.analyte });
  const { from, to, errors } = readRange(q, now, 90, 'value.useDate');
  // one point per result drawn: a chart of every year at once (from=0001-01-01) grew with the history
  if (!errors.length && to - from > CHART_MAX_DAYS * DAY_MS) errors.push(fieldError('value.rangeTooLong', { days: CHART_MAX_DAYS }, 'from'));
  if (errors.length) throw new AppError('iqc.invalidDateRange', {}, errors);
  const rows = await chartPoints(db, scope.labId, analyte.id, from, to, q.instrument ?? undefined);
  // markers by the runs of the points shown: a run that starts before `from` keeps its rules and
  // action on its results inside the range
  const rulesByRun = new Map<number, { rule: string; levels: string[] }[]>();
  for (const v of await violationsOfResultsInRange(db, scope.labId, from, to, analyte.id)) {
    let list = rulesByRun.get(v.runId);
    if (!list) rulesByRun.set(v.runId, (list = []));
    list.push({ rule: v.rule, levels: v.levels });
  }
  const actionByRun = new Map((await actionsOfResultsInRange(db, scope.labId, analyte.id, from, to)).map((a) => [a.runId, a]));
  const panels = new Map<string, ChartPanel>();
  const instruments = new Set<string>();
  for (const r of rows) {
    instruments.add(r.instrument);
    let panel = panels.get(r.level);
    if (!panel) panels.set(r.level, (panel = { level: r.level, points: [], lotChanges: [] }));
    const last = panel.points.at(-1);
    if (last && last.lot !== r.lot) panel.lotChanges.push({ t: r.measuredAt, lot: r.lot });
    const action = actionByRun.get(r.runId);
    panel.points.push({
      resultId: r.id,
      runId: r.runId,
      t: r.measuredAt,
      value: r.value,
      category: r.category,
      signal: r.signal,
      expected: r.expected,
      z: r.z,
      mean: r.mean,
      sd: r.sd,
      lot: r.lot,
      status: r.status,
      operator: r.operator,
      rules: (rulesByRun.get(r.runId) ?? []).filter((v) => v.levels.includes(r.level)).map((v) => v.rule),
      actionId: action?.id ?? null,
      actionStatus: action?.status ?? null,
      version: r.version,
      excluded: r.excluded,
      excludedReason: r.excludedReason,
    });
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return {
    labId: scope.labId,
    analyte: {
      id: analyte.id,
      code: analyte.code,
      nameEn: analyte.nameEn,
      nameZh: analyte.nameZh,
      unit: analyte.unit,
      // a categorical item: its categories (the per-run table) and the unit of its signal (the chart)
      kind: analyte.kind,
      categories: analyte.categories,
      signalUnit: analyte.signalUnit,
    },
    from,
    to,
    instruments: [...instruments].sort(),
    panels: [...panels.values()].sort((a, b) => collator.compare(a.level, b.level)),
  };
}

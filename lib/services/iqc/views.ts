// Read models of IQC for pages and the API: who may read which lab, the dashboard, the
// Levey-Jennings chart data (plain arrays for a client chart), lots and results for the LIS API.
import type { DB } from '@/db/client';
import { findAnalyteByCode, listAnalytes } from '@/db/queries/analytes';
import { findLabByCode, findLabScope } from '@/db/queries/labs';
import {
  actionsInRange,
  analytesWithIqc,
  chartPoints,
  dashboardRows,
  listCorrectiveActions,
  findCorrectiveAction,
  findRun,
  listLotsWithTargets,
  resultHistory,
  resultsForApi,
  resultsOfRuns,
  runsForApi,
  violationsOfRuns,
  violationsInRange,
} from '@/db/queries/iqc';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { AppError, type FieldError, fieldError } from '@/lib/errors';
import { DAY_MS } from '@/lib/calendar';
import { parseBound } from './time';
import { ACTION_SORTS, pageCorrectiveActions, type ActionSort } from '@/db/queries/lists';
import type { PageRequest } from '@/db/queries/paging';
export { ACTION_SORTS };

/** The lab a read concerns: a lab manager's own lab (a code, if given, must be theirs); a regulator
 * or admin must name a lab within their jurisdiction. 403 otherwise, 404 for an unknown code. */
export function resolveReadableLab(db: DB, actor: Actor, labCode?: string | null) {
  if (!can(actor, 'iqc.read')) throw new AppError('iqc.readNotAllowed');
  const own = scopeOf(actor);
  let labId = own.kind === 'lab' ? own.labId : null;
  if (labCode) {
    const lab = findLabByCode(db, labCode);
    if (!lab) throw new AppError('lab.notFound', { lab: labCode });
    labId = lab.lab.id;
  }
  if (!labId) throw new AppError('lab.required', {}, [fieldError('iqc.labParamRequired', {}, 'lab')]);
  const scope = findLabScope(db, labId);
  if (!scope || !can(actor, 'iqc.read', scope)) throw new AppError('lab.outsideJurisdiction');
  return scope;
}

export type TrafficLight = 'green' | 'amber' | 'red' | 'grey';
const LIGHT: Record<string, TrafficLight> = { accepted: 'green', warning: 'amber', rejected: 'red', no_target: 'grey' };

/** Traffic-light table (last run per analyte × instrument), open corrective actions, and counts. */
export function labDashboard(db: DB, actor: Actor, labCode?: string | null, now = Date.now()) {
  const scope = resolveReadableLab(db, actor, labCode);
  const { latest, open } = dashboardRows(db, scope.labId);
  const openBy = new Map(open.map((o) => [o.analyteId, o.n]));
  const names = new Map(listAnalytes(db).map((a) => [a.id, a]));
  const rows = latest
    .map((r) => {
      const a = names.get(r.analyteId)!;
      return {
        analyteId: r.analyteId,
        analyte: a.code,
        nameEn: a.nameEn,
        nameZh: a.nameZh,
        instrument: r.instrument,
        status: r.status,
        light: LIGHT[r.status],
        lastAt: r.measuredAt,
        daysSince: Math.max(0, Math.floor((now - r.measuredAt) / DAY_MS)),
        runs: r.runs,
        openActions: openBy.get(r.analyteId) ?? 0,
      };
    })
    .sort((x, y) => x.analyte.localeCompare(y.analyte) || x.instrument.localeCompare(y.instrument));
  const openActions = listCorrectiveActions(db, scope.labId, { status: 'open', limit: 50 });
  const lastQcAt = rows.reduce<number | null>((m, r) => (m === null || r.lastAt > m ? r.lastAt : m), null);
  return {
    labId: scope.labId,
    rows,
    openActions,
    counts: {
      analytes: new Set(rows.map((r) => r.analyteId)).size,
      red: rows.filter((r) => r.light === 'red').length,
      amber: rows.filter((r) => r.light === 'amber').length,
      open: open.reduce((n, o) => n + o.n, 0),
      daysSinceLastQc: lastQcAt === null ? null : Math.max(0, Math.floor((now - lastQcAt) / DAY_MS)),
    },
  };
}

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

/** Levey-Jennings data of one analyte (one panel per level), for a date range (default 90 days). */
export function chartData(db: DB, actor: Actor, q: { lab?: string | null; analyte: string; from?: string | null; to?: string | null; instrument?: string | null }, now = Date.now()) {
  const scope = resolveReadableLab(db, actor, q.lab);
  const analyte = findAnalyteByCode(db, q.analyte.trim().toUpperCase());
  if (!analyte) throw new AppError('analyte.unknown', { analyte: q.analyte });
  const to = parseBound(q.to, true) ?? now + 60_000;
  const from = parseBound(q.from, false) ?? to - 90 * DAY_MS;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new AppError('iqc.invalidDateRange', {}, [fieldError('value.useDate', {}, 'from')]);
  const rows = chartPoints(db, scope.labId, analyte.id, from, to, q.instrument ?? undefined);
  const rulesByRun = new Map<number, { rule: string; levels: string[] }[]>();
  for (const v of violationsInRange(db, scope.labId, from, to, analyte.id)) {
    let list = rulesByRun.get(v.runId);
    if (!list) rulesByRun.set(v.runId, (list = []));
    list.push({ rule: v.rule, levels: v.levels });
  }
  const actionByRun = new Map(actionsInRange(db, scope.labId, analyte.id, from, to).map((a) => [a.runId, a]));
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

/** Analytes with IQC at the lab (chart picker), and corrective actions (list page). */
export function iqcAnalytes(db: DB, actor: Actor, labCode?: string | null) {
  const scope = resolveReadableLab(db, actor, labCode);
  return analytesWithIqc(db, scope.labId);
}

export function correctiveActionList(db: DB, actor: Actor, q: { lab?: string | null; status?: 'open' | 'resolved' } = {}) {
  const scope = resolveReadableLab(db, actor, q.lab);
  return listCorrectiveActions(db, scope.labId, { status: q.status, limit: 500 });
}

/** One corrective action with its run: values (every version), violations. 404 outside the
 * caller's reach. */
export function correctiveActionDetail(db: DB, actor: Actor, id: number) {
  const ca = Number.isInteger(id) ? findCorrectiveAction(db, id) : undefined;
  const scope = ca ? findLabScope(db, ca.labId) : undefined;
  if (!ca || !scope || !can(actor, 'iqc.read', scope)) throw new AppError('iqc.correctiveActionNotFound');
  const run = findRun(db, ca.runId)!;
  const analyte = listAnalytes(db).find((a) => a.id === ca.analyteId)!;
  return {
    action: ca,
    run,
    analyte: { code: analyte.code, nameEn: analyte.nameEn, nameZh: analyte.nameZh, unit: analyte.unit, categories: analyte.kind === 'quantitative' ? undefined : (analyte.categories ?? []) },
    results: resultHistory(db, run.id),
    violations: violationsOfRuns(db, [run.id]),
  };
}

/** `GET /api/v1/iqc/lots`: the lab's control lots with the target in force now. */
export function lotsWithTargets(db: DB, actor: Actor, q: { lab?: string | null } = {}, now = Date.now()) {
  const scope = resolveReadableLab(db, actor, q.lab);
  return listLotsWithTargets(db, scope.labId, now);
}

/** A lot as `GET /api/v1/iqc/lots` lists it (and `POST` answers it). */
export function lotApiRow(l: {
  analyte: string;
  level: string;
  lot: string;
  instrument: string;
  mean: number | null;
  sd: number | null;
  source: string | null;
  effectiveFrom: number | null;
  expectedCategory?: string | null;
  expectedFrom?: number | null;
}) {
  return {
    analyte: l.analyte,
    level: l.level,
    lot: l.lot,
    ...(l.instrument ? { instrument: l.instrument } : {}),
    mean: l.mean,
    sd: l.sd,
    source: l.source,
    effectiveFrom: l.effectiveFrom === null ? null : new Date(l.effectiveFrom).toISOString(),
    // a control of a categorical item: the category it must read, from when (mean/sd: of its signal)
    ...(l.expectedCategory ? { expected: l.expectedCategory, expectedFrom: l.expectedFrom == null ? null : new Date(l.expectedFrom).toISOString() } : {}),
  };
}

export function lotsForApi(db: DB, actor: Actor, q: { lab?: string | null } = {}, now = Date.now()) {
  return lotsWithTargets(db, actor, q, now).map(lotApiRow);
}

/** Most runs `GET /api/v1/iqc/runs` answers at once (default {@link RUNS_PAGE}); the rest follow a cursor. */
export const RUNS_MAX = 5000;
export const RUNS_PAGE = 1000;

export interface ApiRun {
  runId: number;
  analyte: string;
  instrument: string;
  startedAt: string;
  status: string;
  violations: { rule: string; levels: string[] }[];
  /** `value`: the number, or a categorical item's category code (then `signal`: its S/CO, if sent) */
  results: { level: string; lot: string; value: number | string; signal?: number | null; z: number | null; measuredAt: string }[];
}

/**
 * `GET /api/v1/iqc/runs?analyte=&instrument=&from=&to=[&lab=][&limit=][&cursor=]`: runs in time order
 * with their violations and results (default the last 30 days; at most `limit` runs, default 1000,
 * max 5000; `next` is the cursor of the following page, or null). Three queries whatever the count.
 */
export function runsForApiView(
  db: DB,
  actor: Actor,
  q: { lab?: string | null; analyte?: string | null; instrument?: string | null; from?: string | null; to?: string | null; limit?: string | null; cursor?: string | null },
  now = Date.now(),
): { runs: ApiRun[]; next: string | null } {
  const scope = resolveReadableLab(db, actor, q.lab);
  const { from, to, analyteId, errors } = apiQuery(db, q, now);
  const limit = q.limit ? Number(q.limit) : RUNS_PAGE;
  if (!Number.isInteger(limit) || limit < 1 || limit > RUNS_MAX) errors.push(fieldError('iqc.limitRange', { max: RUNS_MAX }, 'limit'));
  let after: { measuredAt: number; id: number } | undefined;
  if (q.cursor) {
    const m = /^(\d+)\.(\d+)$/.exec(q.cursor);
    if (m) after = { measuredAt: Number(m[1]), id: Number(m[2]) };
    else errors.push(fieldError('iqc.badCursor', {}, 'cursor'));
  }
  if (errors.length) throw new AppError('iqc.invalidQuery', {}, errors);
  const rows = runsForApi(db, scope.labId, { from, to, analyteId, instrument: q.instrument || undefined, after, limit: limit + 1 });
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const ids = page.map((r) => r.id);
  const violations = new Map<number, { rule: string; levels: string[] }[]>();
  for (const v of violationsOfRuns(db, ids)) {
    let list = violations.get(v.runId);
    if (!list) violations.set(v.runId, (list = []));
    list.push({ rule: v.rule, levels: v.levels });
  }
  const results = new Map<number, ApiRun['results']>();
  const collator = new Intl.Collator('en', { numeric: true });
  for (const r of resultsOfRuns(db, ids).sort((a, b) => a.measuredAt - b.measuredAt || collator.compare(a.level, b.level))) {
    let list = results.get(r.runId);
    if (!list) results.set(r.runId, (list = []));
    list.push({ level: r.level, lot: r.lot, ...valueFields(r), z: r.z, measuredAt: new Date(r.measuredAt).toISOString() });
  }
  const last = page.at(-1);
  return {
    runs: page.map((r) => ({
      runId: r.id,
      analyte: r.analyte,
      instrument: r.instrument,
      startedAt: new Date(r.measuredAt).toISOString(),
      status: r.status,
      violations: violations.get(r.id) ?? [],
      results: results.get(r.id) ?? [],
    })),
    next: more && last ? `${last.measuredAt}.${last.id}` : null,
  };
}

/** A result's value as the API gives it: the number, or a categorical item's category code with its
 * signal (S/CO, null when none was sent). */
function valueFields(r: { value: number; category: string | null; signal: number | null }): { value: number | string; signal?: number | null } {
  return r.category !== null ? { value: r.category, signal: r.signal } : { value: r.value };
}

/** The common filters of the read API: `from`/`to` (default the 30 days before `to`, `to` default
 * now) and an analyte code; unreadable ones as field errors. */
function apiQuery(db: DB, q: { analyte?: string | null; from?: string | null; to?: string | null }, now: number) {
  const to = parseBound(q.to, true) ?? now + 60_000;
  const from = parseBound(q.from, false) ?? to - 30 * DAY_MS;
  const errors: FieldError[] = [];
  if (Number.isNaN(from)) errors.push(fieldError('value.notDate', {}, 'from'));
  if (Number.isNaN(to)) errors.push(fieldError('value.notDate', {}, 'to'));
  let analyteId: number | undefined;
  if (q.analyte) {
    analyteId = findAnalyteByCode(db, q.analyte.trim().toUpperCase())?.id;
    if (analyteId === undefined) errors.push(fieldError('analyte.unknownCode', { code: String(q.analyte) }, 'analyte'));
  }
  return { from, to, analyteId, errors };
}

/** `GET /api/v1/iqc/results?analyte=&from=&to=[&lab=]`: results with their run verdicts (default:
 * the last 30 days; at most 50,000 rows). */
export function resultsForApiView(db: DB, actor: Actor, q: { lab?: string | null; analyte?: string | null; from?: string | null; to?: string | null }, now = Date.now()) {
  const scope = resolveReadableLab(db, actor, q.lab);
  const { from, to, analyteId, errors } = apiQuery(db, q, now);
  if (errors.length) throw new AppError('iqc.invalidQuery', {}, errors);
  return resultsForApi(db, scope.labId, from, to, analyteId).map(({ category, signal, ...r }) => ({
    ...r,
    ...valueFields({ value: r.value, category, signal }),
    instrument: r.instrument || undefined,
    measuredAt: new Date(r.measuredAt).toISOString(),
  }));
}


/** One page of a lab's corrective actions (app lists), scoped in SQL to what the reader may see. */
export function correctiveActionPage(db: DB, actor: Actor, q: { lab?: string | null; status?: 'open' | 'resolved' }, req: PageRequest<ActionSort>) {
  const lab = resolveReadableLab(db, actor, q.lab);
  return pageCorrectiveActions(db, scopeOf(actor), { labId: lab.labId, status: q.status }, req);
}

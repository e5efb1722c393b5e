// Read models of IQC for pages: who may read which lab, the dashboard, the chart picker, control lots
// with their targets and corrective actions. The Levey-Jennings chart data is in ./chart-view.ts, the
// reads of the LIS API in ./api-reads.ts.
import type { DB } from '@/db/client';
import { listAnalytes } from '@/db/queries/analytes';
import { findLabByCode, findLabScope } from '@/db/queries/labs';
import {
  analytesWithIqc,
  lotsExpiringBetween,
  dashboardRows,
  listCorrectiveActions,
  findCorrectiveAction,
  findRun,
  listLotsWithTargets,
  resultHistory,
  violationsOfRuns,
} from '@/db/queries/iqc';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { AppError, fieldError } from '@/lib/errors';
import { addDays, DAY_MS, dayOf, startOfDay } from '@/lib/calendar';
import { daysUntilExpiry, EXPIRY_WARNING_DAYS } from './lot-expiry';
import { ACTION_SORTS, pageCorrectiveActions, type ActionSort } from '@/db/queries/lists';
import type { PageRequest } from '@/db/queries/paging';
export { ACTION_SORTS };

/** The lab a read concerns: a lab manager's own lab (a code, if given, must be theirs); a regulator
 * or admin must name a lab within their jurisdiction. 403 otherwise, 404 for an unknown code. */
export async function resolveReadableLab(db: DB, actor: Actor, labCode?: string | null) {
  if (!can(actor, 'iqc.read')) throw new AppError('iqc.readNotAllowed');
  const own = scopeOf(actor);
  let labId = own.kind === 'lab' ? own.labId : null;
  if (labCode) {
    const lab = await findLabByCode(db, labCode);
    if (!lab) throw new AppError('lab.notFound', { lab: labCode });
    labId = lab.lab.id;
  }
  if (!labId) throw new AppError('lab.required', {}, [fieldError('iqc.labParamRequired', {}, 'lab')]);
  const scope = await findLabScope(db, labId);
  if (!scope || !can(actor, 'iqc.read', scope)) throw new AppError('lab.outsideJurisdiction');
  return scope;
}

export type TrafficLight = 'green' | 'amber' | 'red' | 'grey';
const LIGHT: Record<string, TrafficLight> = { accepted: 'green', warning: 'amber', rejected: 'red', no_target: 'grey', excluded: 'grey' };

/** Calendar days (China time, as every day of the app) from `at`'s day to `now`'s: 0 when QC ran
 * today, 1 when it last ran yesterday at any hour. */
function calendarDaysSince(at: number, now: number): number {
  return Math.max(0, Math.round((startOfDay(dayOf(now)) - startOfDay(dayOf(at))) / DAY_MS));
}

/** Traffic-light table (last run per analyte × instrument), open corrective actions, and counts. */
export async function labDashboard(db: DB, actor: Actor, labCode?: string | null, now = Date.now()) {
  const scope = await resolveReadableLab(db, actor, labCode);
  const { latest, open } = await dashboardRows(db, scope.labId);
  const openBy = new Map(open.map((o) => [`${o.analyteId}\u0000${o.instrument}`, o.n]));
  const names = new Map((await listAnalytes(db)).map((a) => [a.id, a]));
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
        daysSince: calendarDaysSince(r.measuredAt, now),
        runs: r.runs,
        openActions: openBy.get(`${r.analyteId}\u0000${r.instrument}`) ?? 0,
      };
    })
    .sort((x, y) => x.analyte.localeCompare(y.analyte) || x.instrument.localeCompare(y.instrument));
  const openActions = await listCorrectiveActions(db, scope.labId, { status: 'open', limit: 50 });
  // lots that expire within EXPIRY_WARNING_DAYS, or did in the last week (results of them are refused)
  const today = dayOf(now);
  const expiringLots = (await lotsExpiringBetween(db, scope.labId, addDays(today, -7), addDays(today, EXPIRY_WARNING_DAYS))).map((l) => ({ ...l, daysLeft: daysUntilExpiry(l.expiresOn, today) }));
  const lastQcAt = rows.reduce<number | null>((m, r) => (m === null || r.lastAt > m ? r.lastAt : m), null);
  return {
    labId: scope.labId,
    rows,
    openActions,
    expiringLots,
    expiryWarningDays: EXPIRY_WARNING_DAYS,
    counts: {
      analytes: new Set(rows.map((r) => r.analyteId)).size,
      red: rows.filter((r) => r.light === 'red').length,
      amber: rows.filter((r) => r.light === 'amber').length,
      open: open.reduce((n, o) => n + o.n, 0),
      daysSinceLastQc: lastQcAt === null ? null : calendarDaysSince(lastQcAt, now),
    },
  };
}

/** Analytes with IQC at the lab (chart picker), and corrective actions (list page). */
export async function iqcAnalytes(db: DB, actor: Actor, labCode?: string | null) {
  const scope = await resolveReadableLab(db, actor, labCode);
  return await analytesWithIqc(db, scope.labId);
}

export async function correctiveActionList(db: DB, actor: Actor, q: { lab?: string | null; status?: 'open' | 'resolved' } = {}) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  return await listCorrectiveActions(db, scope.labId, { status: q.status, limit: 500 });
}

/** One corrective action with its run: values (every version), violations. 404 outside the
 * caller's reach. */
export async function correctiveActionDetail(db: DB, actor: Actor, id: number) {
  const ca = Number.isSafeInteger(id) ? await findCorrectiveAction(db, id) : undefined;
  const scope = ca ? await findLabScope(db, ca.labId) : undefined;
  if (!ca || !scope || !can(actor, 'iqc.read', scope)) throw new AppError('iqc.correctiveActionNotFound');
  const run = (await findRun(db, ca.runId))!;
  const analyte = (await listAnalytes(db)).find((a) => a.id === ca.analyteId)!;
  return {
    action: ca,
    run,
    analyte: { code: analyte.code, nameEn: analyte.nameEn, nameZh: analyte.nameZh, unit: analyte.unit, categories: analyte.kind === 'quantitative' ? undefined : (analyte.categories ?? []) },
    results: await resultHistory(db, run.id),
    violations: await violationsOfRuns(db, [run.id]),
  };
}

/** `GET /api/v1/iqc/lots`: the lab's control lots with the target in force now. */
export async function lotsWithTargets(db: DB, actor: Actor, q: { lab?: string | null } = {}, now = Date.now()) {
  const scope = await resolveReadableLab(db, actor, q.lab);
  return await listLotsWithTargets(db, scope.labId, now);
}


/** One page of a lab's corrective actions (app lists), scoped in SQL to what the reader may see. */
export async function correctiveActionPage(db: DB, actor: Actor, q: { lab?: string | null; status?: 'open' | 'resolved' }, req: PageRequest<ActionSort>) {
  const lab = await resolveReadableLab(db, actor, q.lab);
  return pageCorrectiveActions(db, scopeOf(actor), { labId: lab.labId, status: q.status }, req);
}

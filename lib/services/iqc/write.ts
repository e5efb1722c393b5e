// Writing a judged series plan in the caller's transaction: runs, results and violations through
// the bulk writer (db/bulk.ts), moved results and merged-away runs, corrective actions, and the daily
// aggregates of the touched days (db/queries/daily-iqc-refresh.ts).
import type { DB } from '@/db/client';
import type { IngestSource, RunStatus } from '@/db/enums';
import { bulkWriter } from '@/db/bulk';
import { iqcStatements, type IqcStatements } from '@/db/queries/iqc-ingest';
import { iqcDailyBatch, type IqcDailyBatch, type WrittenSeries } from '@/db/queries/daily-iqc-refresh';
import { iqcResults, iqcRuns, iqcViolations } from '@/db/schema';
import { CHINA_UTC_OFFSET_MS, DAY_MS, dayOf } from '@/lib/calendar';
import type { WestgardRule } from '@/lib/stats';
import { evaluatePlan, selectorFor } from './judge';
import { seriesFrom } from './runs';
import type { FormedRun, LabContext, RunOutcome, SeriesPlan } from './series';
import { dialectOf } from '@/db/dialect';
import { pgReevaluateSeries } from './write-pg';

export interface WriteContext {
  actorId: number;
  source: IngestSource;
  now: number;
}

export interface WriteSummary {
  /** stored runs not holding new results whose status changed */
  reevaluated: number[];
  /** runs rejected by this write: runs holding its results, and stored runs it turned rejected */
  rejected: number;
  /** stored results that moved to another run, and stored runs that were merged away */
  movedResults: number;
  removedRuns: { id: number; into: number; action: { id: number; status: string; kept: boolean } | null }[];
  /** open corrective actions closed because their run is no longer rejected */
  withdrawnActions: number[];
}

/** The columns a new result gives, in the order its values are added: version, current and
 * excluded keep their SQL defaults (1, true, false), the edit and exclusion columns stay NULL (fewer
 * bound parameters per row on bulk ingest). */
const NEW_RESULT_COLUMNS = ['runId', 'labId', 'analyteId', 'controlLotId', 'level', 'value', 'category', 'signal', 'measuredAt', 'targetId', 'z', 'createdBy', 'createdAt'] as const;
const PLAIN_RESULT_COLUMNS = NEW_RESULT_COLUMNS.filter((c) => c !== 'category' && c !== 'signal');
/** The columns of a new run and of a violation, in the order their values are added. */
const NEW_RUN_COLUMNS = ['labId', 'analyteId', 'instrument', 'measuredAt', 'status', 'rules', 'evaluatedAt', 'source', 'operator', 'clientRunId', 'createdBy', 'createdAt'] as const;
const VIOLATION_COLUMNS = ['runId', 'labId', 'analyteId', 'rule', 'levels', 'measuredAt'] as const;

/** The status of a run the judge gave no verdict: every value excluded by the lab, or a value
 * without a target to judge it against. */
function unjudgedStatus(run: FormedRun): RunStatus {
  for (const m of run.members) if (!m.excluded) return 'no_target';
  return run.members.length ? 'excluded' : 'no_target';
}

/** What a withdrawn corrective action says (the run's verdict changed after new data). */
const WITHDRAWN = {
  cause: 'Re-evaluated: the run is no longer rejected (results added, corrected or excluded later)',
  action: 'None: withdrawn by the system',
  outcome: 'Closed automatically; see the audit log',
};

/**
 * Write an evaluated plan: new runs and results, moved results, merged-away runs (their corrective
 * action moves to the run that took their results, or is deleted when that run has one; audited by
 * the caller from the summary), verdicts and violations, a corrective action for every rejected run,
 * and open actions of runs no longer rejected withdrawn.
 */
export function writePlan(s: IqcStatements, ctx: LabContext, plan: SeriesPlan, w: WriteContext, outcomes: RunOutcome[] | null, editedRunStart?: number, daily?: IqcDailyBatch): WriteSummary {
  const summary: WriteSummary = { reevaluated: [], rejected: 0, movedResults: 0, removedRuns: [], withdrawnActions: [] };
  /** runs (by index in plan.runs) whose figures may differ from the stored daily aggregates (their
   * days are recomputed) */
  const changed = new Uint8Array(plan.runs.length);
  // results without a category or signal (every quantitative item's) leave both columns NULL
  let plain = true;
  for (const run of plan.runs) for (const m of run.members) if (m.pending && (m.category !== null || m.signal !== null)) plain = false;
  const results = bulkWriter(s, iqcResults, { columns: plain ? PLAIN_RESULT_COLUMNS : NEW_RESULT_COLUMNS, orFail: true });
  const resultRow: unknown[] = [0, ctx.labId, plan.analyteId, 0, '', 0, 0, null, null, w.actorId, w.now];
  const violationRows = bulkWriter(s, iqcViolations, { columns: VIOLATION_COLUMNS, orFail: true });
  // each distinct rule set (evaluatePlan gives one array per set) as JSON once
  const rulesJson = new Map<readonly WestgardRule[], string>();
  const jsonOf = (rules: readonly WestgardRule[]) => {
    let json = rulesJson.get(rules);
    if (json === undefined) rulesJson.set(rules, (json = JSON.stringify(rules)));
    return json;
  };
  const runRows = bulkWriter(s, iqcRuns, { columns: NEW_RUN_COLUMNS, returnIds: true, orFail: true });
  // one array of values per writer, the varying ones set per row (the writer copies them at once)
  const runRow: unknown[] = [ctx.labId, plan.analyteId, plan.instrument, 0, '', '', w.now, w.source, null, null, w.actorId, w.now];
  for (const run of plan.runs) {
    if (run.existingId !== undefined) continue;
    runRow[3] = run.start;
    runRow[4] = run.verdict ? run.verdict.status : unjudgedStatus(run);
    runRow[5] = run.verdict ? jsonOf(run.rules) : '[]';
    runRow[8] = run.operator;
    runRow[9] = run.clientRun;
    runRows.addValues(runRow);
  }
  runRows.flush();
  // the id of each run of the plan (same index): stored, or new in the order written
  const runIds = new Array<number>(plan.runs.length);
  for (let i = 0, fresh = 0; i < plan.runs.length; i++) {
    const existing = plan.runs[i].existingId;
    runIds[i] = existing !== undefined ? existing : runRows.ids[fresh++];
  }
  // results first move to their runs, so that merged-away runs can be deleted
  for (let i = 0; i < plan.runs.length; i++) {
    const run = plan.runs[i];
    const runId = runIds[i];
    for (const m of run.members) {
      if (m.id !== undefined && m.runId !== runId) {
        changed[i] = 1;
        s.moveResult.run(runId, m.id);
        m.runId = runId;
        summary.movedResults++;
      }
    }
  }
  const receivedAction = new Set<number>();
  for (const { id, successor } of plan.removed) {
    const into = runIds[plan.runs.indexOf(successor)];
    const action = s.actionOfRun.get(id);
    let kept = false;
    if (action) {
      if (!s.actionOfRun.get(into)) {
        s.moveAction.run(into, action.id);
        receivedAction.add(into);
        kept = true;
      } else s.deleteAction.run(action.id);
    }
    s.deleteViolations.run(id);
    // without SQLite's foreign-key checks (a bulk ingest, lib/services/iqc/ingest.ts) a run still
    // referenced is refused here, as SQLite refuses it with them
    if (!s.$client.pragma('foreign_keys', { simple: true }) && s.runReferenced.get(id, id, id)) throw new Error(`FOREIGN KEY constraint failed: run ${id} is still referenced`);
    s.deleteRun.run(id);
    summary.removedRuns.push({ id, into, action: action ? { id: action.id, status: action.status, kept } : null });
  }
  for (let i = 0; i < plan.runs.length; i++) {
    const run = plan.runs[i];
    const verdict = run.verdict;
    const status: RunStatus = verdict ? verdict.status : unjudgedStatus(run);
    const runId = runIds[i];
    if (run.existingId === undefined || run.touched || run.reformed || status !== run.existingStatus || run.start !== run.existingStart || run.start === editedRunStart) changed[i] = 1;
    const violations = verdict ? verdict.violations.map((x) => ({ rule: x.rule as string, levels: x.levels })) : [];
    if (run.existingId !== undefined) {
      s.updateRun.run(status, run.verdict ? jsonOf(run.rules) : '[]', w.now, run.start, runId);
      s.deleteViolations.run(runId);
      if (!run.touched && status !== run.existingStatus) summary.reevaluated.push(runId);
      if (status !== 'rejected' && (run.existingStatus === 'rejected' || receivedAction.has(runId))) {
        if (s.withdrawAction.run(WITHDRAWN.cause, WITHDRAWN.action, WITHDRAWN.outcome, w.actorId, w.now, runId).changes) summary.withdrawnActions.push(runId);
      }
    }
    for (const m of run.members) {
      if (!m.pending) continue;
      if (plain) {
        resultRow[0] = runId;
        resultRow[3] = m.lotId;
        resultRow[4] = m.level;
        resultRow[5] = m.value;
        resultRow[6] = m.measuredAt;
        resultRow[7] = m.targetId;
        resultRow[8] = m.z;
        results.addValues(resultRow);
      } else results.addValues([runId, ctx.labId, plan.analyteId, m.lotId, m.level, m.value, m.category, m.signal, m.measuredAt, m.targetId, m.z, w.actorId, w.now]);
    }
    for (const x of violations) violationRows.addValues([runId, ctx.labId, plan.analyteId, x.rule, JSON.stringify(x.levels), run.start]);
    if (status === 'rejected') {
      s.openAction.run(runId, ctx.labId, plan.analyteId, run.start);
      if (run.existingId !== undefined && run.existingStatus !== 'rejected') s.reopenWithdrawn.run(runId, WITHDRAWN.cause);
      // the runs this write rejects: its own, and stored ones it turned rejected; a stored run that
      // was rejected already and is only judged again after a late result is no news
      if (run.touched || run.existingStatus !== 'rejected') summary.rejected++;
    }
    if (outcomes && run.touched) outcomes.push({ runId, analyte: plan.analyteCode, instrument: plan.instrument, measuredAt: run.start, status, violations });
  }
  results.flush();
  violationRows.flush();
  // the caller's batch refreshes the days with its other series' (else they are refreshed now)
  const batch = daily ?? iqcDailyBatch(s);
  refreshDailyOfRuns(batch, ctx, plan, changed);
  if (!daily) batch.flush();
  return summary;
}

/** Recompute the daily aggregates of the days of the changed runs (where each starts now and
 * started before, and each of its results), in the caller's transaction. A run merged away gave its
 * results, and so its days, to a run that changed. The plan's runs and their current, not excluded
 * results as now stored go with them: days without aggregates yet are summed from these instead of
 * being read back. */
function refreshDailyOfRuns(daily: IqcDailyBatch, ctx: LabContext, plan: SeriesPlan, changed: Uint8Array): void {
  const days = new Set<string>();
  // results of one series come in time order: skip the day computation while it cannot change
  let dayStart = Infinity;
  let dayEnd = -Infinity;
  const see = (t: number | undefined) => {
    if (t === undefined || (t >= dayStart && t < dayEnd)) return;
    days.add(dayName(t));
    // the day's start (00:00 UTC+8) without parsing its name back
    dayStart = t - (((t + CHINA_UTC_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
    dayEnd = dayStart + DAY_MS;
  };
  for (let i = 0; i < plan.runs.length; i++) {
    if (!changed[i]) continue;
    const run = plan.runs[i];
    see(run.start);
    see(run.existingStart);
    for (const m of run.members) see(m.measuredAt);
  }
  const written: WrittenSeries = {
    each(run, result) {
      for (const r of plan.runs) {
        const rejected = r.verdict?.status === 'rejected';
        run(r.start, rejected);
        for (const m of r.members) if (!m.excluded) result(m.lotId, m.level, m.value, m.measuredAt, !rejected);
      }
    },
  };
  daily.add({ labId: ctx.labId, analyteId: plan.analyteId, instrument: plan.instrument, days: [...days] }, written);
}

/** Day names (lib/calendar's dayOf) by day index, kept: an import names the same few hundred days
 * for every series. */
const dayNames = new Map<number, string>();
function dayName(t: number): string {
  const k = Math.floor((t + CHINA_UTC_OFFSET_MS) / DAY_MS);
  let name = dayNames.get(k);
  if (name === undefined) {
    if (dayNames.size >= 100_000) dayNames.clear();
    dayNames.set(k, (name = dayOf(t)));
  }
  return name;
}

/** Re-judge the stored runs of a series from `from` on (after an edit or an exclusion). */
export async function reevaluateSeries(db: DB, ctx: LabContext, analyteId: number, instrument: string, from: number, w: WriteContext): Promise<WriteSummary> {
  if (dialectOf(db) === 'pg') return await pgReevaluateSeries(db, ctx, analyteId, instrument, from, w);
  const s = await iqcStatements(db);
  const plan = seriesFrom(s, ctx, analyteId, '', instrument, from);
  evaluatePlan(s, ctx, plan, await selectorFor(db, ctx));
  // the run at `from` holds the corrected or excluded result: its days are recomputed even when its
  // verdict stays
  return writePlan(s, ctx, plan, w, null, from);
}

// The IQC evaluation engine shared by every way in (grid, CSV, API, seed) and by edits: plan a
// batch of control values per series (lab × analyte × instrument), judge each value against the
// target version in force at its time, run the Westgard rules once over the series (recent
// context + new and later runs, in time order) and write everything with prepared statements.
// Callers hold the transaction and have authorized the lab.
import type { DB } from '@/db/client';
import type { IngestSource, RunStatus } from '@/db/enums';
import { iqcStatements, insertRunRows, ResultWriter, type IqcStatements, type SeriesResultRow, type TargetRow } from '@/db/queries/iqc';
import {
  evaluateWestgard,
  isWestgardRule,
  type RunInput,
  type RunVerdict,
  type WestgardRule,
} from '@/lib/stats';
import type { FieldError } from '@/lib/errors';
import { ruleSetFor } from './sigma';

/** Runs of the series before the first new one that the rules look back on (12x is the longest). */
export const CONTEXT_RUNS = 12;

export const levelCollator = new Intl.Collator('en', { numeric: true });

/** One validated control value, ready to be planned. */
export interface PlannedValue {
  row: number;
  analyteId: number;
  analyteCode: string;
  level: string;
  lot: string;
  instrument: string;
  value: number;
  measuredAt: number;
  operator: string;
}

export interface LabContext {
  labId: number;
  /** analyte id → TEa % (null when the catalogue has only an absolute limit) */
  teaPercent: Map<number, number | null>;
  ruleConfigs: Map<number, WestgardRule[]>;
  lots: Map<string, number>;
  /** lots first seen in this batch, under provisional negative ids until {@link createNewLots} */
  newLots: Map<number, { analyteId: number; level: string; lot: string; instrument: string }>;
  targets: Map<number, TargetRow[]>;
}

export const lotKey = (analyteId: number, level: string, lot: string, instrument: string) => `${analyteId}\u0001${level}\u0001${lot}\u0001${instrument}`;

export function loadLabContext(db: DB, labId: number, teaPercent: Map<number, number | null>): LabContext {
  const s = iqcStatements(db);
  const lots = new Map<string, number>();
  for (const l of s.lotsOfLab.all(labId)) lots.set(lotKey(l.analyteId, l.level, l.lotNumber, l.instrument), l.id);
  const targets = new Map<number, TargetRow[]>();
  for (const t of s.targetsOfLab.all(labId)) {
    let list = targets.get(t.controlLotId);
    if (!list) targets.set(t.controlLotId, (list = []));
    list.push(t);
  }
  const ruleConfigs = new Map<number, WestgardRule[]>();
  for (const c of s.ruleConfigsOfLab.all(labId)) {
    const rules = (JSON.parse(c.rules) as string[]).filter(isWestgardRule);
    if (rules.length) ruleConfigs.set(c.analyteId, rules);
  }
  return { labId, teaPercent, ruleConfigs, lots, newLots: new Map(), targets };
}

/** The target version in force at `t`: the latest effectiveFrom ≤ t (then the highest version). */
export function targetAt(list: readonly TargetRow[] | undefined, t: number): TargetRow | undefined {
  if (!list) return undefined;
  let found: TargetRow | undefined;
  for (const target of list) {
    if (target.effectiveFrom <= t) found = target;
    else break;
  }
  return found;
}

/** A value of a run on the timeline: already stored (id) or new (pending). */
interface TimelineValue {
  level: string;
  lotId: number;
  value: number;
  measuredAt: number;
  z: number | null;
  targetId: number | null;
  existingId?: number;
  pending?: PlannedValue;
}

interface TimelineRun {
  key: string;
  measuredAt: number;
  existingId?: number;
  existingStatus?: RunStatus;
  values: TimelineValue[];
  operator: string | null;
  /** new values were added to this run by the batch */
  touched: boolean;
}

export interface SeriesPlan {
  analyteId: number;
  analyteCode: string;
  instrument: string;
  timeline: TimelineRun[];
  contextRuns: RunInput[];
  rules: WestgardRule[];
  inserted: number;
  skipped: number;
}

export interface RunOutcome {
  runId: number;
  analyte: string;
  instrument: string;
  measuredAt: number;
  status: RunStatus;
  violations: { rule: string; levels: string[] }[];
}

/** Group values into series and check them against what is stored: duplicates (same lot, time and
 * value as a current result) are skipped; a different value for a level already measured in that
 * run is an error (it needs an edit with a reason). No writes. */
export function planBatch(db: DB, ctx: LabContext, values: readonly PlannedValue[], errors: FieldError[], fieldOf: (f: string) => string): SeriesPlan[] {
  const s = iqcStatements(db);
  const bySeries = new Map<string, PlannedValue[]>();
  for (const v of values) {
    const k = `${v.analyteId}\u0001${v.instrument}`;
    let list = bySeries.get(k);
    if (!list) bySeries.set(k, (list = []));
    list.push(v);
  }
  const plans: SeriesPlan[] = [];
  for (const list of bySeries.values()) {
    const { analyteId, analyteCode, instrument } = list[0];
    let tMin = Infinity;
    for (const v of list) if (v.measuredAt < tMin) tMin = v.measuredAt;
    const plan = seriesTimeline(s, ctx, analyteId, analyteCode, instrument, tMin);
    const byTime = new Map<number, TimelineRun>();
    for (const r of plan.timeline) byTime.set(r.measuredAt, r);
    for (const v of list) {
      const lk = lotKey(v.analyteId, v.level, v.lot, v.instrument);
      let lotId = ctx.lots.get(lk);
      if (lotId === undefined) {
        lotId = -(ctx.newLots.size + 1);
        ctx.newLots.set(lotId, { analyteId: v.analyteId, level: v.level, lot: v.lot, instrument: v.instrument });
        ctx.lots.set(lk, lotId);
      }
      let run = byTime.get(v.measuredAt);
      if (run) {
        const same = run.values.find((x) => x.level === v.level);
        if (same) {
          if (same.lotId === lotId && same.value === v.value) plan.skipped++;
          else errors.push({ row: v.row, field: fieldOf('value'), message: `Level ${v.level} of ${v.analyteCode} already has a value at this time; correct it with a reason instead` });
          continue;
        }
      } else {
        run = { key: `n${v.measuredAt}`, measuredAt: v.measuredAt, values: [], operator: v.operator || null, touched: true };
        byTime.set(v.measuredAt, run);
        plan.timeline.push(run);
      }
      run.touched = true;
      run.values.push({ level: v.level, lotId, value: v.value, measuredAt: v.measuredAt, z: null, targetId: null, pending: v });
      plan.inserted++;
    }
    plan.timeline.sort((a, b) => a.measuredAt - b.measuredAt);
    plans.push(plan);
  }
  return plans;
}

/** Context (last runs before tMin) and stored runs at or after tMin of one series. */
export function seriesTimeline(s: IqcStatements, ctx: LabContext, analyteId: number, analyteCode: string, instrument: string, tMin: number): SeriesPlan {
  const contextRows = s.contextRuns.all(ctx.labId, analyteId, instrument, tMin, CONTEXT_RUNS).reverse();
  const contextRuns: RunInput[] = [];
  for (const r of contextRows) {
    const values = s.resultsOfRun
      .all(r.id)
      .filter((x) => x.z !== null)
      .sort((a, b) => levelCollator.compare(a.level, b.level))
      .map((x) => ({ level: x.level, z: x.z as number }));
    if (values.length) contextRuns.push({ id: `c${r.id}`, values });
  }
  const timeline: TimelineRun[] = s.laterRuns.all(ctx.labId, analyteId, instrument, tMin).map((r) => ({
    key: `e${r.id}`,
    measuredAt: r.measuredAt,
    existingId: r.id,
    existingStatus: r.status,
    values: s.resultsOfRun.all(r.id).map(storedValue),
    operator: null,
    touched: false,
  }));
  return { analyteId, analyteCode, instrument, timeline, contextRuns, rules: [], inserted: 0, skipped: 0 };
}

function storedValue(x: SeriesResultRow): TimelineValue {
  return { level: x.level, lotId: x.controlLotId, value: x.value, measuredAt: x.measuredAt, z: x.z, targetId: x.targetId, existingId: x.id };
}

/** Create the lots first seen in this batch and give the planned values their real ids. */
export function createNewLots(s: IqcStatements, ctx: LabContext, plans: readonly SeriesPlan[], now: number): number {
  if (!ctx.newLots.size) return 0;
  const ids = new Map<number, number>();
  for (const [temp, l] of ctx.newLots) {
    const id = Number(s.insertLot.run(ctx.labId, l.analyteId, l.level, l.lot, l.instrument, now).lastInsertRowid);
    ids.set(temp, id);
    ctx.lots.set(lotKey(l.analyteId, l.level, l.lot, l.instrument), id);
  }
  for (const plan of plans) for (const run of plan.timeline) for (const v of run.values) if (v.lotId < 0) v.lotId = ids.get(v.lotId)!;
  const created = ctx.newLots.size;
  ctx.newLots.clear();
  return created;
}

/** z of every new value against its target in force, then the Westgard verdict of every run of
 * the timeline. Returns verdicts by run key. */
export function evaluatePlan(s: IqcStatements, ctx: LabContext, plan: SeriesPlan, before: number): Map<string, RunVerdict> {
  const levels = new Set<string>();
  for (const run of plan.timeline) {
    for (const v of run.values) {
      levels.add(v.level);
      if (v.pending) {
        const target = targetAt(ctx.targets.get(v.lotId), v.measuredAt);
        if (target) {
          v.z = (v.value - target.mean) / target.sd;
          v.targetId = target.id;
        }
      }
    }
  }
  plan.rules = ruleSetFor(s, ctx, plan.analyteId, plan.instrument, levels.size, before);
  const inputs: RunInput[] = [];
  for (const run of plan.timeline) {
    const values = run.values
      .filter((v) => v.z !== null)
      .sort((a, b) => levelCollator.compare(a.level, b.level))
      .map((v) => ({ level: v.level, z: v.z as number }));
    if (values.length) inputs.push({ id: run.key, values });
  }
  const out = new Map<string, RunVerdict>();
  for (const v of evaluateSequence(plan.contextRuns, inputs, plan.rules)) out.set(v.runId, v);
  return out;
}

/** Runs judged per call of evaluateWestgard while no run is rejected. */
const CHUNK = 32;

/**
 * Westgard verdicts of `runs` (time order) after `context`, where a **rejected run leaves the
 * history**: the lab repeats it after correcting the cause, and its values stay on the chart but
 * out of the rules and statistics of later runs (DOMAIN.md §4, "rejected points stay on the chart
 * but out of the statistics"). evaluateWestgard counts every run it is given, so the sequence is
 * judged in chunks of {@link CHUNK} after the last {@link CONTEXT_RUNS} in-control runs; at a
 * rejection the verdicts up to it are kept and judging restarts after it without it. Linear in the
 * number of runs (each restart re-reads at most 12 context runs).
 */
export function evaluateSequence(context: readonly RunInput[], runs: readonly RunInput[], rules: readonly WestgardRule[]): RunVerdict[] {
  const out: RunVerdict[] = [];
  let history = context.slice(-CONTEXT_RUNS);
  let start = 0;
  while (start < runs.length) {
    const chunk = runs.slice(start, start + CHUNK);
    const verdicts = evaluateWestgard([...history, ...chunk], rules);
    let taken = 0;
    let rejectedAtEnd = false;
    for (let i = history.length; i < verdicts.length; i++) {
      out.push(verdicts[i]);
      taken++;
      if (verdicts[i].status === 'rejected') {
        rejectedAtEnd = true;
        break;
      }
    }
    const kept = chunk.slice(0, rejectedAtEnd ? taken - 1 : taken);
    history = [...history, ...kept].slice(-CONTEXT_RUNS);
    start += taken;
  }
  return out;
}

export interface WriteContext {
  actorId: number;
  source: IngestSource;
  now: number;
}

/** Write a planned and evaluated series: new runs and results, changed verdicts of stored runs,
 * violations and a corrective action for every rejected run. Returns the touched runs. */
export function writePlan(
  s: IqcStatements,
  ctx: LabContext,
  plan: SeriesPlan,
  verdicts: Map<string, RunVerdict>,
  w: WriteContext,
  outcomes: RunOutcome[] | null,
): { reevaluated: number[]; rejected: number } {
  const reevaluated: number[] = [];
  let rejected = 0;
  const results = new ResultWriter(s);
  const rulesJson = JSON.stringify(plan.rules);
  // new runs first, in bulk, so that their results can be written with their ids
  const fresh = plan.timeline.filter((r) => r.existingId === undefined);
  const freshIds = insertRunRows(
    s,
    fresh.map((run) => {
      const verdict = verdicts.get(run.key);
      return {
        labId: ctx.labId,
        analyteId: plan.analyteId,
        instrument: plan.instrument,
        measuredAt: run.measuredAt,
        status: verdict ? verdict.status : 'no_target',
        rulesJson: verdict ? rulesJson : '[]',
        evaluatedAt: w.now,
        source: w.source,
        operator: run.operator,
        createdBy: w.actorId,
      };
    }),
  );
  const idOf = new Map(fresh.map((run, i) => [run, freshIds[i]]));
  for (const run of plan.timeline) {
    const verdict = verdicts.get(run.key);
    const status: RunStatus = verdict ? verdict.status : 'no_target';
    const runId = run.existingId ?? idOf.get(run)!;
    if (run.existingId !== undefined) {
      s.updateRun.run(status, verdict ? rulesJson : '[]', w.now, runId);
      s.deleteViolations.run(runId);
      if (!run.touched && status !== run.existingStatus) reevaluated.push(runId);
    }
    for (const v of run.values) {
      if (!v.pending) continue;
      results.add(runId, ctx.labId, plan.analyteId, v.lotId, v.level, v.value, v.measuredAt, v.targetId, v.z, w.actorId, w.now);
    }
    const violations = verdict ? verdict.violations.map((x) => ({ rule: x.rule as string, levels: x.levels })) : [];
    for (const x of violations) s.insertViolation.run(runId, ctx.labId, plan.analyteId, x.rule, JSON.stringify(x.levels), run.measuredAt);
    if (status === 'rejected') {
      s.openAction.run(runId, ctx.labId, plan.analyteId, run.measuredAt);
      rejected++;
    }
    if (outcomes && run.touched) outcomes.push({ runId, analyte: plan.analyteCode, instrument: plan.instrument, measuredAt: run.measuredAt, status, violations });
  }
  results.flush();
  return { reevaluated, rejected };
}

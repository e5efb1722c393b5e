// The IQC evaluation engine shared by every way in (grid, CSV, API, seed) and by edits and
// exclusions. Per series (lab × analyte × instrument):
//   1. runs are formed from the time-ordered results as LIS send them (DOMAIN.md §4): a run starts
//      at a result and takes each following result within the lab's run window of that first result
//      whose level it does not yet hold; the next result left starts the next run. Results sent with
//      a client run id (`run`) form one run per id instead. A late result is placed as if it had
//      arrived in order: the runs it can reach are formed again (stored results keep their ids);
//   2. each run is judged with its own rule set (chosen once, when it is formed) and the target
//      version in force for each value, looking back over the last 12 values of each level and of
//      the flattened sequence of in-control runs (createWestgardEvaluator);
//   3. everything is written with prepared statements, corrective actions follow the verdicts.
// The stored verdicts depend only on the set of results, never on batching or arrival order.
// Callers hold the transaction and have authorized the lab.
import type { DB } from '@/db/client';
import type { IngestSource, RunStatus } from '@/db/enums';
import { bulkInsert, bulkWriter } from '@/db/bulk';
import { iqcStatements, type IqcStatements, type RegionResultRow, type TargetRow } from '@/db/queries/iqc-ingest';
import { iqcResults, iqcRuns, iqcViolations } from '@/db/schema';
import { refreshIqcDaily } from '@/db/queries/daily-iqc';
import { dayOf } from '@/lib/calendar';
import { createWestgardEvaluator, isWestgardRule, type RunInput, type RunVerdict, type WestgardRule, type WestgardEvaluator } from '@/lib/stats';
import { fieldError, type FieldError } from '@/lib/errors';
import { ruleSelector, type RuleSelector, type RunLevelTarget } from './sigma';

/** Values per level (and of the flattened sequence) the rules look back on (12x is the longest). */
export const LOOKBACK_VALUES = 12;
/** At most this many earlier in-control runs are read to find {@link LOOKBACK_VALUES} values of a
 * level that is rarely measured (bounds the read; a level absent that long starts afresh). */
export const MAX_CONTEXT_RUNS = 2048;
/** Default run window of a lab (laboratories.run_window_minutes). */
export const DEFAULT_RUN_WINDOW_MINUTES = 30;

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
  /** the client's run id, or null: grouped by the run window */
  run: string | null;
}

export interface LabContext {
  labId: number;
  /** analyte id → TEa % (null when the catalogue has only an absolute limit) */
  teaPercent: Map<number, number | null>;
  ruleConfigs: Map<number, WestgardRule[]>;
  lots: Map<string, number>;
  /** lot id → lot number (runs are ordered by lot number, never by id, so by data only) */
  lotNumbers: Map<number, string>;
  /** lots first seen in this batch, under provisional negative ids until {@link createNewLots} */
  newLots: Map<number, { analyteId: number; level: string; lot: string; instrument: string }>;
  targets: Map<number, TargetRow[]>;
  /** the lab's run window in ms */
  runWindowMs: number;
}

export const lotKey = (analyteId: number, level: string, lot: string, instrument: string) => `${analyteId}\u0001${level}\u0001${lot}\u0001${instrument}`;

export function loadLabContext(db: DB, labId: number, teaPercent: Map<number, number | null>): LabContext {
  const s = iqcStatements(db);
  const lots = new Map<string, number>();
  const lotNumbers = new Map<number, string>();
  for (const l of s.lotsOfLab.all(labId)) {
    lots.set(lotKey(l.analyteId, l.level, l.lotNumber, l.instrument), l.id);
    lotNumbers.set(l.id, l.lotNumber);
  }
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
  const minutes = s.labRunWindow.get(labId)?.minutes ?? DEFAULT_RUN_WINDOW_MINUTES;
  return { labId, teaPercent, ruleConfigs, lots, lotNumbers, newLots: new Map(), targets, runWindowMs: minutes * 60_000 };
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

/** A result on a series' timeline: stored (id, runId) or new (pending). */
interface Member {
  level: string;
  lot: string;
  lotId: number;
  value: number;
  measuredAt: number;
  z: number | null;
  targetId: number | null;
  excluded: boolean;
  clientRun: string | null;
  id?: number;
  /** the stored run the result belongs to now */
  runId?: number;
  pending?: PlannedValue;
}

/** A run of the evaluation region: stored (existingId) or formed now. */
interface FormedRun {
  key: string;
  start: number;
  clientRun: string | null;
  members: Member[];
  existingId?: number;
  existingStatus?: RunStatus;
  existingRules?: string;
  existingStart?: number;
  /** new, or its results changed: its rule set is chosen anew */
  reformed: boolean;
  /** holds results of this batch */
  touched: boolean;
  operator: string | null;
  rules: WestgardRule[];
  verdict: RunVerdict | null;
}

export interface SeriesPlan {
  analyteId: number;
  analyteCode: string;
  instrument: string;
  /** runs starting at or after this time are (re)judged; earlier in-control runs are the context */
  from: number;
  /** the runs from `from` on, in evaluation order */
  runs: FormedRun[];
  /** stored runs whose results now belong to other runs (late results regrouped them) */
  removed: { id: number; successor: FormedRun }[];
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

/** Digits only, without a leading zero (then length, then text, is numeric order). */
function plainNumber(s: string): boolean {
  if (!s.length || s.charCodeAt(0) === 48) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Levels in natural order ('2' before '10', as the collator orders them); equal levels and plain
 * numbers without asking the collator (it is the slowest step of sorting a large batch). */
export function compareLevels(a: string, b: string): number {
  if (a === b) return 0;
  if (plainNumber(a) && plainNumber(b)) return a.length - b.length || (a < b ? -1 : 1);
  return levelCollator.compare(a, b);
}

/** Time, then level, lot number and value: the order of results whatever order they arrived in. */
function memberOrder(a: Member, b: Member): number {
  return a.measuredAt - b.measuredAt || compareLevels(a.level, b.level) || (a.lot < b.lot ? -1 : a.lot > b.lot ? 1 : 0) || a.value - b.value;
}

/** Distinct levels of a run's results (a handful: no Set). */
function levelCount(members: readonly Member[]): number {
  let n = 0;
  for (let i = 0; i < members.length; i++) {
    let seen = false;
    for (let j = 0; j < i; j++) if (members[j].level === members[i].level) seen = true;
    if (!seen) n++;
  }
  return n;
}

/** Evaluation order of runs: start, then client run id (window runs first), then first result. */
function runOrder(a: FormedRun, b: FormedRun): number {
  const ca = a.clientRun ?? '';
  const cb = b.clientRun ?? '';
  return a.start - b.start || (ca < cb ? -1 : ca > cb ? 1 : 0) || memberOrder(a.members[0], b.members[0]);
}

/**
 * Runs formed by the run window (DOMAIN.md §4) from results sorted by {@link memberOrder}: a run
 * starts at the first result not yet taken and takes each following result measured within
 * `windowMs` of that first one (inclusive) whose level it does not yet hold. Pure; O(n × results
 * per window).
 *
 * @example window 30 min: L1 08:00, L2 08:12, L1 08:20, L2 08:45 → [L1 08:00, L2 08:12], [L1 08:20, L2 08:45]
 */
export function formWindowRuns<T extends { level: string; measuredAt: number }>(sorted: readonly T[], windowMs: number): T[][] {
  const taken = new Uint8Array(sorted.length);
  const runs: T[][] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (taken[i]) continue;
    const first = sorted[i];
    const run = [first];
    taken[i] = 1;
    const end = first.measuredAt + windowMs;
    for (let j = i + 1; j < sorted.length && sorted[j].measuredAt <= end; j++) {
      if (taken[j]) continue;
      const level = sorted[j].level;
      let held = false;
      for (const m of run) if (m.level === level) held = true;
      if (held) continue;
      run.push(sorted[j]);
      taken[j] = 1;
    }
    runs.push(run);
  }
  return runs;
}

function memberOfRow(ctx: LabContext, r: RegionResultRow): Member {
  return {
    level: r.level,
    lot: ctx.lotNumbers.get(r.controlLotId) ?? '',
    lotId: r.controlLotId,
    value: r.value,
    measuredAt: r.measuredAt,
    z: r.z,
    targetId: r.targetId,
    excluded: !!r.excluded,
    clientRun: r.clientRunId,
    id: r.id,
    runId: r.runId,
  };
}

function storedRun(r: RegionResultRow): FormedRun {
  return {
    key: `e${r.runId}`,
    start: r.runAt,
    clientRun: r.clientRunId,
    members: [],
    existingId: r.runId,
    existingStatus: r.runStatus,
    existingRules: r.runRules,
    existingStart: r.runAt,
    reformed: false,
    touched: false,
    operator: r.runOperator,
    rules: [],
    verdict: null,
  };
}

function newRun(key: string, members: Member[], clientRun: string | null): FormedRun {
  const first = members[0];
  return { key, start: first.measuredAt, clientRun, members, reformed: true, touched: false, operator: null, rules: [], verdict: null };
}

/**
 * Give each group of results a run: the stored run of its earliest result not yet claimed by an
 * earlier group (so stored runs keep their ids when their results stay together), else a new one.
 * Stored runs left without a group are returned as removed, with the run that took their earliest
 * result.
 */
function claimRuns(groups: Member[][], stored: Map<number, FormedRun>, keyPrefix: string, clientRun: (g: Member[]) => string | null) {
  const claimed = new Set<number>();
  const runs: FormedRun[] = [];
  groups.forEach((members, i) => {
    let run: FormedRun | undefined;
    for (const m of members) {
      if (m.runId !== undefined && !claimed.has(m.runId)) {
        run = stored.get(m.runId);
        if (run) {
          claimed.add(m.runId);
          break;
        }
      }
    }
    if (run) {
      const before = run.members;
      run.reformed = before.length !== members.length || members.some((m) => m.runId !== run!.existingId);
      run.members = members;
      run.start = members[0].measuredAt;
    } else run = newRun(`${keyPrefix}${i}`, members, clientRun(members));
    runs.push(run);
  });
  const removed: { id: number; successor: FormedRun }[] = [];
  for (const [id, run] of stored) {
    if (claimed.has(id)) continue;
    const earliest = run.members[0];
    const successor = runs.find((r) => r.members.includes(earliest))!;
    removed.push({ id, successor });
  }
  return { runs, removed };
}

/**
 * Plan a batch: per series, check the new values against what is stored (the same lot, time and
 * value as a current result is skipped; a different value for a lot at a time already measured, or
 * a level twice in one client run, is an error: it needs an edit with a reason), then form the runs
 * the new values can reach again. No writes.
 */
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
  for (const list of bySeries.values()) plans.push(planSeries(s, ctx, list, errors, fieldOf));
  return plans;
}

function planSeries(s: IqcStatements, ctx: LabContext, list: PlannedValue[], errors: FieldError[], fieldOf: (f: string) => string): SeriesPlan {
  const { analyteId, analyteCode, instrument } = list[0];
  const W = ctx.runWindowMs;
  let tMin = Infinity;
  const clientIds = new Set<string>();
  for (const v of list) {
    if (v.measuredAt < tMin) tMin = v.measuredAt;
    if (v.run) clientIds.add(v.run);
  }
  // Window runs starting before tMin − W cannot reach a new value: they and every result they took
  // stay as they are. Client runs named by the batch are formed again from wherever they start.
  const windowFrom = tMin - W;
  let from = windowFrom;
  const affectedClient = new Map<string, number>();
  for (const id of clientIds) {
    const r = s.clientRun.get(ctx.labId, id, analyteId, instrument);
    if (r) {
      affectedClient.set(id, r.id);
      if (r.measuredAt < from) from = r.measuredAt;
    }
  }
  const plan: SeriesPlan = { analyteId, analyteCode, instrument, from, runs: [], removed: [], inserted: 0, skipped: 0 };
  const stored = new Map<number, FormedRun>();
  // current results by lot, then time (duplicates and conflicts)
  const current = new Map<number, Map<number, Member>>();
  const currentOf = (lotId: number) => {
    let byTime = current.get(lotId);
    if (!byTime) current.set(lotId, (byTime = new Map()));
    return byTime;
  };
  for (const r of s.regionResults.all(ctx.labId, analyteId, from, instrument)) {
    const m = memberOfRow(ctx, r);
    currentOf(m.lotId).set(m.measuredAt, m);
    // results of runs that started earlier are only checked for duplicates
    if (r.runAt < from) continue;
    let run = stored.get(r.runId);
    if (!run) stored.set(r.runId, (run = storedRun(r)));
    run.members.push(m);
  }
  for (const run of stored.values()) run.members.sort(memberOrder);
  // the new values in result order: duplicates skipped, conflicts reported (against stored results
  // by lot and time; within the batch a repeat sorts next to its first)
  const candidates: Member[] = [];
  for (const v of list) {
    const lk = lotKey(v.analyteId, v.level, v.lot, v.instrument);
    let lotId = ctx.lots.get(lk);
    if (lotId === undefined) {
      lotId = -(ctx.newLots.size + 1);
      ctx.newLots.set(lotId, { analyteId: v.analyteId, level: v.level, lot: v.lot, instrument: v.instrument });
      ctx.lots.set(lk, lotId);
      ctx.lotNumbers.set(lotId, v.lot);
    }
    candidates.push({ level: v.level, lot: v.lot, lotId, value: v.value, measuredAt: v.measuredAt, z: null, targetId: null, excluded: false, clientRun: v.run, pending: v });
  }
  candidates.sort(memberOrder);
  const conflict = (v: PlannedValue) =>
    errors.push(fieldError('iqc.duplicateLevel', { level: v.level, analyte: v.analyteCode, lot: v.lot }, fieldOf('value'), v.row));
  const fresh: Member[] = [];
  let prev: Member | undefined;
  for (const m of candidates) {
    const v = m.pending!;
    const same = prev && prev.lotId === m.lotId && prev.measuredAt === m.measuredAt ? prev : current.size ? current.get(m.lotId)?.get(m.measuredAt) : undefined;
    if (same) {
      if (same.value === m.value) plan.skipped++;
      // the later row of two is the one reported
      else if (same.pending && same.pending.row > v.row) {
        conflict(same.pending);
        fresh[fresh.length - 1] = m;
        prev = m;
      } else conflict(v);
      continue;
    }
    fresh.push(m);
    prev = m;
    plan.inserted++;
  }
  if (!plan.inserted) return plan;

  // window runs that may change: those starting at or after tMin − W, with the new window values
  const windowStored = new Map<number, FormedRun>();
  const windowMembers: Member[] = [];
  const clientStored = new Map<string, FormedRun>();
  const clientMembers = new Map<string, Member[]>();
  const unchanged: FormedRun[] = [];
  for (const run of stored.values()) {
    if (run.clientRun === null && run.start >= windowFrom) {
      windowStored.set(run.existingId!, run);
      windowMembers.push(...run.members);
    } else if (run.clientRun !== null && clientIds.has(run.clientRun)) {
      clientStored.set(run.clientRun, run);
      clientMembers.set(run.clientRun, [...run.members]);
    } else unchanged.push(run);
  }
  for (const m of fresh) {
    if (m.clientRun === null) windowMembers.push(m);
    else {
      let ms = clientMembers.get(m.clientRun);
      if (!ms) clientMembers.set(m.clientRun, (ms = []));
      ms.push(m);
    }
  }
  // new values come sorted; stored ones in between need a sort
  if (windowStored.size) windowMembers.sort(memberOrder);
  const windowed = claimRuns(formWindowRuns(windowMembers, W), windowStored, 'w', () => null);
  plan.removed = windowed.removed;
  const runs = [...unchanged, ...windowed.runs];
  for (const [id, members] of clientMembers) {
    members.sort(memberOrder);
    const levels = new Set<string>();
    for (const m of members) {
      if (levels.has(m.level) && m.pending) {
        errors.push(fieldError('iqc.runLevelTaken', { run: id, level: m.level }, fieldOf('level'), m.pending.row));
      }
      levels.add(m.level);
    }
    const storedRun = clientStored.get(id);
    if (storedRun) {
      storedRun.reformed = members.length !== storedRun.members.length;
      storedRun.members = members;
      storedRun.start = members[0].measuredAt;
      runs.push(storedRun);
    } else runs.push(newRun(`c${id}`, members, id));
  }
  for (const run of runs) {
    for (const m of run.members) {
      if (!m.pending) continue;
      run.touched = true;
      if (run.operator === null && m.pending.operator) run.operator = m.pending.operator;
    }
  }
  // window runs come formed in order; sort only when stored or client runs are mixed in
  let sorted = true;
  for (let i = 1; i < runs.length && sorted; i++) if (runOrder(runs[i - 1], runs[i]) > 0) sorted = false;
  plan.runs = sorted ? runs : runs.sort(runOrder);
  return plan;
}

/** The stored runs of a series from `from` on, to be judged again as they are (an edit or an
 * exclusion changed a value, not the grouping). */
export function seriesFrom(s: IqcStatements, ctx: LabContext, analyteId: number, analyteCode: string, instrument: string, from: number): SeriesPlan {
  const stored = new Map<number, FormedRun>();
  for (const r of s.regionResults.all(ctx.labId, analyteId, from, instrument)) {
    if (r.runAt < from) continue;
    let run = stored.get(r.runId);
    if (!run) stored.set(r.runId, (run = storedRun(r)));
    run.members.push(memberOfRow(ctx, r));
  }
  for (const run of stored.values()) run.members.sort(memberOrder);
  return { analyteId, analyteCode, instrument, from, runs: [...stored.values()].sort(runOrder), removed: [], inserted: 0, skipped: 0 };
}

/** Create the lots first seen in this batch and give the planned values their real ids. */
export function createNewLots(s: IqcStatements, ctx: LabContext, plans: readonly SeriesPlan[], now: number): number {
  if (!ctx.newLots.size) return 0;
  const ids = new Map<number, number>();
  for (const [temp, l] of ctx.newLots) {
    const id = Number(s.insertLot.run(ctx.labId, l.analyteId, l.level, l.lot, l.instrument, now).lastInsertRowid);
    ids.set(temp, id);
    ctx.lots.set(lotKey(l.analyteId, l.level, l.lot, l.instrument), id);
    ctx.lotNumbers.set(id, l.lot);
    ctx.lotNumbers.delete(temp);
  }
  for (const plan of plans) for (const run of plan.runs) for (const m of run.members) if (m.lotId < 0) m.lotId = ids.get(m.lotId)!;
  const created = ctx.newLots.size;
  ctx.newLots.clear();
  return created;
}

/** The selector of rule sets for an ingest or re-evaluation (built once: it may preload). */
export function selectorFor(db: DB, ctx: LabContext): RuleSelector {
  // built on the first question: re-sends and re-evaluations of stored runs never need it
  let selector: RuleSelector | undefined;
  return { at: (...args) => (selector ??= ruleSelector(db, ctx)).at(...args) };
}

/**
 * An evaluator primed with the in-control history before `plan.from`: earlier accepted or warning
 * runs, newest first, until every level judged in the plan has {@link LOOKBACK_VALUES} values and
 * the flattened sequence as many (at most {@link MAX_CONTEXT_RUNS} runs read, in growing pages).
 */
function primedEvaluator(s: IqcStatements, ctx: LabContext, plan: SeriesPlan, levels: ReadonlySet<string>): WestgardEvaluator {
  const evaluator = createWestgardEvaluator();
  const need = new Map<string, number>();
  for (const l of levels) need.set(l, LOOKBACK_VALUES);
  let flattenedNeed = LOOKBACK_VALUES;
  const runs: RunInput[] = [];
  let offset = 0;
  let page = 16;
  while (offset < MAX_CONTEXT_RUNS && (flattenedNeed > 0 || [...need.values()].some((n) => n > 0))) {
    const rows = s.contextValues.all(ctx.labId, plan.analyteId, plan.instrument, plan.from, page, offset);
    if (!rows.length) break;
    let run: { id: number; values: { level: string; z: number }[] } | undefined;
    const pageRuns: (typeof run & object)[] = [];
    for (const r of rows) {
      if (!run || run.id !== r.runId) pageRuns.push((run = { id: r.runId, values: [] }));
      run.values.push({ level: r.level, z: r.z });
    }
    for (const pr of pageRuns) {
      pr.values.sort((a, b) => compareLevels(a.level, b.level));
      for (const v of pr.values) {
        const n = need.get(v.level);
        if (n !== undefined) need.set(v.level, n - 1);
      }
      flattenedNeed -= pr.values.length;
      runs.push({ id: `c${pr.id}`, values: pr.values });
    }
    offset += page;
    page = Math.min(page * 4, 512);
  }
  for (let i = runs.length - 1; i >= 0; i--) evaluator.remember(runs[i]);
  return evaluator;
}

/**
 * z of every new value against its target in force, then the verdict of every run of the plan in
 * order, each with its own rule set: the stored run's rules unless it was formed anew now (then the
 * selector's choice for its time, levels and targets).
 */
export function evaluatePlan(s: IqcStatements, ctx: LabContext, plan: SeriesPlan, selector: RuleSelector): void {
  const levels = new Set<string>();
  for (const run of plan.runs) {
    for (const m of run.members) {
      if (m.pending) {
        const target = targetAt(ctx.targets.get(m.lotId), m.measuredAt);
        if (target) {
          m.z = (m.value - target.mean) / target.sd;
          m.targetId = target.id;
        }
      }
      if (m.z !== null && !m.excluded) levels.add(m.level);
    }
  }
  const evaluator = primedEvaluator(s, ctx, plan, levels);
  // one array per distinct rule set, so that the evaluator and the writer see the same few arrays
  const canonical = new Map<string, WestgardRule[]>();
  const same = (rules: WestgardRule[]) => {
    const key = rules.join();
    const found = canonical.get(key);
    if (found) return found;
    canonical.set(key, rules);
    return rules;
  };
  for (const run of plan.runs) {
    const judged: Member[] = [];
    for (const m of run.members) if (m.z !== null && !m.excluded) judged.push(m);
    if (judged.length > 1) judged.sort((a, b) => compareLevels(a.level, b.level));
    if (!judged.length) {
      run.rules = [];
      run.verdict = null;
      continue;
    }
    let rules: WestgardRule[] | null = null;
    if (!run.reformed && run.existingRules) {
      const stored = (JSON.parse(run.existingRules) as string[]).filter(isWestgardRule);
      if (stored.length) rules = stored;
    }
    if (!rules) {
      const targets: RunLevelTarget[] = [];
      for (const m of run.members) {
        if (m.targetId === null) continue;
        const t = ctx.targets.get(m.lotId)?.find((x) => x.id === m.targetId);
        if (t) targets.push({ level: m.level, controlLotId: m.lotId, mean: t.mean, sd: t.sd, targetId: t.id });
      }
      rules = selector.at(plan.analyteId, plan.instrument, levelCount(run.members), targets, run.start).rules;
    }
    run.rules = rules = same(rules);
    const values = new Array<{ level: string; z: number }>(judged.length);
    for (let i = 0; i < judged.length; i++) values[i] = { level: judged[i].level, z: judged[i].z as number };
    const verdict = evaluator.judge({ id: run.key, values }, rules);
    // levels in level order (not first-seen order, which depends on how much history was read)
    for (const v of verdict.violations) if (v.levels.length > 1) v.levels.sort(compareLevels);
    run.verdict = verdict;
  }
}

export interface WriteContext {
  actorId: number;
  source: IngestSource;
  now: number;
}

export interface WriteSummary {
  /** stored runs not holding new results whose status changed */
  reevaluated: number[];
  rejected: number;
  /** stored results that moved to another run, and stored runs that were merged away */
  movedResults: number;
  removedRuns: { id: number; into: number; action: { id: number; status: string; kept: boolean } | null }[];
  /** open corrective actions closed because their run is no longer rejected */
  withdrawnActions: number[];
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
export function writePlan(s: IqcStatements, ctx: LabContext, plan: SeriesPlan, w: WriteContext, outcomes: RunOutcome[] | null): WriteSummary {
  const summary: WriteSummary = { reevaluated: [], rejected: 0, movedResults: 0, removedRuns: [], withdrawnActions: [] };
  const results = bulkWriter(s, iqcResults);
  const violationRows = bulkWriter(s, iqcViolations);
  const fresh = plan.runs.filter((r) => r.existingId === undefined);
  const freshIds = bulkInsert(
    s,
    iqcRuns,
    fresh.map((run) => ({
      labId: ctx.labId,
      analyteId: plan.analyteId,
      instrument: plan.instrument,
      measuredAt: run.start,
      status: run.verdict ? run.verdict.status : 'no_target',
      rules: run.verdict ? run.rules : [],
      evaluatedAt: w.now,
      source: w.source,
      operator: run.operator,
      clientRunId: run.clientRun,
      createdBy: w.actorId,
      createdAt: w.now,
    })),
  );
  const idOf = new Map<FormedRun, number>();
  fresh.forEach((run, i) => idOf.set(run, freshIds[i]));
  for (const run of plan.runs) if (run.existingId !== undefined) idOf.set(run, run.existingId);
  // results first move to their runs, so that merged-away runs can be deleted
  for (const run of plan.runs) {
    const runId = idOf.get(run)!;
    for (const m of run.members) {
      if (m.id !== undefined && m.runId !== runId) {
        s.moveResult.run(runId, m.id);
        m.runId = runId;
        summary.movedResults++;
      }
    }
  }
  const receivedAction = new Set<number>();
  for (const { id, successor } of plan.removed) {
    const into = idOf.get(successor)!;
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
    s.deleteRun.run(id);
    summary.removedRuns.push({ id, into, action: action ? { id: action.id, status: action.status, kept } : null });
  }
  for (const run of plan.runs) {
    const verdict = run.verdict;
    const status: RunStatus = verdict ? verdict.status : 'no_target';
    const runId = idOf.get(run)!;
    const violations = verdict ? verdict.violations.map((x) => ({ rule: x.rule as string, levels: x.levels })) : [];
    if (run.existingId !== undefined) {
      s.updateRun.run(status, JSON.stringify(run.verdict ? run.rules : []), w.now, run.start, runId);
      s.deleteViolations.run(runId);
      if (!run.touched && status !== run.existingStatus) summary.reevaluated.push(runId);
      if (status !== 'rejected' && (run.existingStatus === 'rejected' || receivedAction.has(runId))) {
        if (s.withdrawAction.run(WITHDRAWN.cause, WITHDRAWN.action, WITHDRAWN.outcome, w.actorId, w.now, runId).changes) summary.withdrawnActions.push(runId);
      }
    }
    for (const m of run.members) {
      if (!m.pending) continue;
      results.add({ runId, labId: ctx.labId, analyteId: plan.analyteId, controlLotId: m.lotId, level: m.level, value: m.value, measuredAt: m.measuredAt, targetId: m.targetId, z: m.z, createdBy: w.actorId, createdAt: w.now });
    }
    for (const x of violations) violationRows.add({ runId, labId: ctx.labId, analyteId: plan.analyteId, rule: x.rule, levels: x.levels, measuredAt: run.start });
    if (status === 'rejected') {
      s.openAction.run(runId, ctx.labId, plan.analyteId, run.start);
      if (run.existingId !== undefined && run.existingStatus !== 'rejected') s.reopenWithdrawn.run(runId, WITHDRAWN.cause);
      summary.rejected++;
    }
    if (outcomes && run.touched) outcomes.push({ runId, analyte: plan.analyteCode, instrument: plan.instrument, measuredAt: run.start, status, violations });
  }
  results.flush();
  violationRows.flush();
  refreshDailyOfPlan(s, ctx, plan);
  return summary;
}

/** Recompute the daily aggregates of the days the plan touched (every run it wrote or re-judged,
 * where it started before and now, and each of its results), in the caller's transaction. */
function refreshDailyOfPlan(s: IqcStatements, ctx: LabContext, plan: SeriesPlan): void {
  let min = Infinity;
  let max = -Infinity;
  const see = (t: number | undefined) => {
    if (t === undefined) return;
    if (t < min) min = t;
    if (t > max) max = t;
  };
  for (const run of plan.runs) {
    see(run.start);
    see(run.existingStart);
    for (const m of run.members) see(m.measuredAt);
  }
  if (min === Infinity) return;
  refreshIqcDaily(s, { labId: ctx.labId, analyteId: plan.analyteId, instrument: plan.instrument, fromDay: dayOf(min), toDay: dayOf(max) });
}

/** Re-judge the stored runs of a series from `from` on (after an edit or an exclusion). */
export function reevaluateSeries(db: DB, ctx: LabContext, analyteId: number, instrument: string, from: number, w: WriteContext): WriteSummary {
  const s = iqcStatements(db);
  const plan = seriesFrom(s, ctx, analyteId, '', instrument, from);
  evaluatePlan(s, ctx, plan, selectorFor(db, ctx));
  return writePlan(s, ctx, plan, w, null);
}

/**
 * Verdicts of `runs` (in order) after the in-control `context`, where a rejected run leaves the
 * history later runs are judged against (DOMAIN.md §4) and the rules look back over the last 12
 * values of each level and of the flattened sequence, whatever runs they came in.
 */
export function evaluateSequence(context: readonly RunInput[], runs: readonly RunInput[], rules: readonly WestgardRule[]): RunVerdict[] {
  const evaluator = createWestgardEvaluator();
  for (const run of context) evaluator.remember(run);
  return runs.map((run) => evaluator.judge(run, rules));
}

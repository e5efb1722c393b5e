// Judging a planned series: z against the target in force, each run's rule set (kept, or chosen anew
// for a run formed now), and the Westgard verdicts in order after the in-control history.
import type { DB } from '@/db/client';
import type { ContextValueRow, IqcStatements } from '@/db/queries/iqc-ingest';
import { fieldError, type FieldError } from '@/lib/errors';
import { controlZ, createWestgardEvaluator, isWestgardRule, judgeCategoryReadings, QUAL_MISMATCH_RULE, type CategoryReading, type CategoryVerdict, type RunInput, type RunVerdict, type WestgardRule, type WestgardEvaluator } from '@/lib/stats';
import { gradeOf, type ItemShape } from '@/lib/catalogue/kinds';
import { ruleSelector, type RuleSelector, type RunLevelTarget } from './sigma';
import { compareLevels, expectedGradeOf, levelCount, LOOKBACK_VALUES, MAX_CONTEXT_RUNS, memberOrder, runOrder, sortSmall, targetAt, type FormedRun, type LabContext, type Member, type SeriesPlan } from './series';

const byLevel = (a: { level: string }, b: { level: string }) => compareLevels(a.level, b.level);
/** a member with a z (judged unless excluded) */
type JudgedMember = Member & { z: number };

/** The selector of rule sets for an ingest or re-evaluation (built once: it may preload). */
export async function selectorFor(db: DB, ctx: LabContext): Promise<RuleSelector> {
  // preloads the lab's rule set versions and EQA bias (two reads); answers synchronously per run
  return await ruleSelector(db, ctx);
}

/**
 * An evaluator primed with the in-control history before `plan.from` ({@link readContextRuns}).
 */
function primedEvaluator(s: IqcStatements, ctx: LabContext, plan: SeriesPlan, levels: ReadonlySet<string>): WestgardEvaluator {
  // forgets what the history's reader would not read: the same verdicts in a batch as run by run
  const evaluator = createWestgardEvaluator({ lookbackRuns: MAX_CONTEXT_RUNS });
  if (s.hasContext.get(ctx.labId, plan.analyteId, plan.instrument, plan.from) === undefined) return evaluator;
  const runs = readContextRuns((limit, offset) => s.contextValues.all(ctx.labId, plan.analyteId, plan.instrument, plan.from, limit, offset), levels);
  orderContextRuns(runs, ctx.lotNumbers);
  for (let i = runs.length - 1; i >= 0; i--) evaluator.remember(runs[i]);
  return evaluator;
}

/** A page of the in-control history: the current results of `limit` runs from the `offset`-th newest. */
export type ContextPageReader = (limit: number, offset: number) => readonly ContextValueRow[];

/** A run of the in-control history: its judged values (level order), and its start and current
 * results, which place it among runs with the same start ({@link orderContextRuns}). */
export interface ContextRun extends RunInput {
  start: number;
  clientRun: string | null;
  rows: ContextValueRow[];
}

/**
 * The in-control history a series is judged after: earlier accepted or warning runs, newest first,
 * read until every level in `levels` has {@link LOOKBACK_VALUES} values and the flattened sequence
 * as many (at most {@link MAX_CONTEXT_RUNS} runs read, in growing pages: 16, 64, 256, then 512, the
 * last one cut to end there),
 * and then on while runs start at the same time as the last one read: their order is decided by
 * their results ({@link orderContextRuns}), not by the ids the reader pages by.
 * PostgreSQL loads the history ahead of the judge and runs this on what it loaded to see whether
 * that was enough (db/pg/iqc-ingest.ts, loadWriting).
 */
export function readContextRuns(read: ContextPageReader, levels: ReadonlySet<string>): ContextRun[] {
  const need = new Map<string, number>();
  for (const l of levels) need.set(l, LOOKBACK_VALUES);
  let flattenedNeed = LOOKBACK_VALUES;
  const runs: ContextRun[] = [];
  let offset = 0;
  let page = 16;
  const enough = () => flattenedNeed <= 0 && ![...need.values()].some((n) => n > 0);
  while (offset < MAX_CONTEXT_RUNS) {
    if (enough()) {
      // a run starting when the last one read did may sort after it: read until the start changes
      const next = read(1, offset);
      if (!next.length || next[0].runAt !== runs[runs.length - 1].start) break;
    }
    const rows = read(page, offset);
    if (!rows.length) break;
    let run: ContextRun | undefined;
    const pageRuns: ContextRun[] = [];
    for (const r of rows) {
      if (!run || run.id !== `c${r.runId}`) pageRuns.push((run = { id: `c${r.runId}`, start: r.runAt, clientRun: r.clientRunId, rows: [], values: [] }));
      run.rows.push(r);
      if (r.z !== null && !r.excluded) (run.values as { level: string; z: number }[]).push({ level: r.level, z: r.z });
    }
    for (const pr of pageRuns) {
      sortSmall(pr.values as { level: string; z: number }[], byLevel);
      for (const v of pr.values) {
        const n = need.get(v.level);
        if (n !== undefined) need.set(v.level, n - 1);
      }
      flattenedNeed -= pr.values.length;
      runs.push(pr);
    }
    offset += page;
    // the last page ends at MAX_CONTEXT_RUNS exactly: the evaluator forgets what lies beyond it
    page = Math.min(page * 4, 512, MAX_CONTEXT_RUNS - offset);
  }
  return runs;
}

/**
 * Put runs of the history (newest first) that start at the same time in reverse {@link runOrder}, the
 * order a batch holding them all judges them in: two lots of one level measured at one time (a lot
 * crossover) would otherwise be replayed in the order they arrived.
 */
export function orderContextRuns(runs: ContextRun[], lotNumbers: ReadonlyMap<number, string>): void {
  for (let i = 0; i < runs.length; ) {
    let j = i + 1;
    while (j < runs.length && runs[j].start === runs[i].start) j++;
    if (j - i > 1) {
      const keyed = runs.slice(i, j).map((run) => {
        const members = run.rows.map((r) => ({ measuredAt: r.measuredAt, level: r.level, lot: lotNumbers.get(r.controlLotId) ?? '', value: r.value }));
        return { run, key: { start: run.start, clientRun: run.clientRun, members: sortSmall(members, memberOrder) } };
      });
      keyed.sort((a, b) => runOrder(b.key, a.key));
      for (let k = i; k < j; k++) runs[k] = keyed[k - i].run;
    }
    i = j;
  }
}

/** The history a plan's judge reads ({@link readContextRuns}) for every level of the plan's values,
 * among which are the levels it primes the history for (those with a z and not excluded): at least
 * as much as the judge reads (PostgreSQL's loadWriting asks this of what it loaded). */
export function readPlanContext(plan: { runs: readonly { members: readonly { level: string }[] }[] }, read: ContextPageReader): ContextRun[] {
  const levels = new Set<string>();
  for (const run of plan.runs) for (const m of run.members) levels.add(m.level);
  return readContextRuns(read, levels);
}

/**
 * The category verdict of a categorical item's run (DOMAIN.md §4, qualitative IQC): its current, not
 * excluded readings whose lot expects a category at their time, each against that category; null when
 * none has an expectation (the run is then judged by its signals only, or has no target).
 */
export function categoryVerdictOf(ctx: Pick<LabContext, 'items' | 'expected'>, item: ItemShape, members: readonly Member[]): CategoryVerdict | null {
  const readings: CategoryReading[] = [];
  for (const m of members) {
    if (m.excluded || m.category === null) continue;
    const expectedGrade = expectedGradeOf(ctx, item, m);
    const grade = gradeOf(item, m.category);
    if (expectedGrade === null || grade < 0) continue;
    readings.push({ level: m.level, grade, expectedGrade });
  }
  if (!readings.length) return null;
  sortSmall(readings, byLevel);
  return judgeCategoryReadings(readings, item.kind as 'qualitative' | 'ordinal' | 'nominal');
}

/** The run's verdict from its Westgard verdict (of its signals' z, if any) and its category verdict. */
function combined(run: FormedRun, westgard: RunVerdict | null, category: CategoryVerdict | null) {
  const violations: { rule: string; levels: string[] }[] = westgard ? westgard.violations : [];
  if (category?.mismatched.length) violations.push({ rule: QUAL_MISMATCH_RULE, levels: category.mismatched });
  const status = category?.status === 'rejected' ? 'rejected' : (westgard?.status ?? 'accepted');
  return { runId: run.key, status, violations } as const;
}

/** The target a new value is judged against: the one in force at its time, unless it is a
 * categorical reading without a signal (no number to chart: its value is its grade). */
function judgedTarget(ctx: LabContext, item: ItemShape | undefined, m: Member) {
  const target = targetAt(ctx.targets.get(m.lotId), m.measuredAt);
  return target && (!item || m.signal !== null) ? target : undefined;
}

/**
 * The new values of a batch whose z against their target would not be a finite number (5e307
 * against a mean of 4 and an SD of 0.1, or any value off the mean of a target with a subnormal SD
 * stored before SDs were checked): each refused by its row, since the rules cannot judge it and
 * the series after it could not be judged either.
 */
export function valuesBeyondTargets(ctx: LabContext, plans: readonly SeriesPlan[], fieldOf: (f: string) => string): FieldError[] {
  const errors: FieldError[] = [];
  for (const plan of plans) {
    const item = ctx.items.get(plan.analyteId);
    for (const run of plan.runs) {
      for (const m of run.members) {
        if (!m.pending) continue;
        const target = judgedTarget(ctx, item, m);
        if (target && controlZ(m.value, target) === null) {
          errors.push(fieldError('iqc.zNotFinite', { mean: target.mean, sd: target.sd }, fieldOf(item ? 'signal' : 'value'), m.pending.row));
        }
      }
    }
  }
  return errors;
}

/**
 * z of every new value against its target in force, then the verdict of every run of the plan in
 * order, each with its own rule set: the stored run's rules unless it was formed anew now (then the
 * selector's choice for its time, levels and targets). For a categorical item, z is of the signal
 * (S/CO) where one was sent, and a reading outside its lot's expected category rejects the run.
 */
export function evaluatePlan(s: IqcStatements, ctx: LabContext, plan: SeriesPlan, selector: RuleSelector): void {
  const levels = new Set<string>();
  const item = ctx.items.get(plan.analyteId);
  for (const run of plan.runs) {
    for (const m of run.members) {
      if (m.pending) {
        const target = judgedTarget(ctx, item, m);
        if (target) {
          m.z = controlZ(m.value, target);
          // refused before anything was written (valuesBeyondTargets)
          if (m.z === null) throw new Error(`z of row ${m.pending.row} is not finite`);
          m.targetId = target.id;
        }
      }
      if (m.z !== null && !m.excluded) levels.add(m.level);
    }
  }
  const evaluator = primedEvaluator(s, ctx, plan, levels);
  // one array per distinct rule set, so that the evaluator and the writer see the same few arrays
  const canonical = new Map<string, WestgardRule[]>();
  let lastGiven: WestgardRule[] | null = null;
  let lastSame: WestgardRule[] = [];
  const same = (rules: WestgardRule[]) => {
    // runs after runs with equal rule sets: compare with the last set before building its key
    if (lastGiven !== null && (rules === lastGiven || sameRules(rules, lastGiven))) return lastSame;
    const key = rules.join();
    let found = canonical.get(key);
    if (!found) canonical.set(key, (found = rules));
    lastGiven = rules;
    lastSame = found;
    return found;
  };
  // per run, reused: its judged members and its levels' targets (the evaluator and the selector
  // read them during the call and keep neither)
  const judged: JudgedMember[] = [];
  const targets: RunLevelTarget[] = [];
  const targetPool: RunLevelTarget[] = [];
  for (const run of plan.runs) {
    judged.length = 0;
    for (const m of run.members) if (m.z !== null && !m.excluded) judged.push(m as JudgedMember);
    if (judged.length > 1) sortSmall(judged, byLevel);
    const category = item ? categoryVerdictOf(ctx, item, run.members) : null;
    if (!judged.length) {
      run.rules = [];
      run.verdict = category ? combined(run, null, category) : null;
      // an in-control run without a signal is a run of the history its reader counts
      if (run.verdict && run.verdict.status !== 'rejected') evaluator.remember({ id: run.key, values: [] });
      continue;
    }
    let rules: WestgardRule[] | null = null;
    if (!run.reformed && run.existingRules) {
      const stored = (JSON.parse(run.existingRules) as string[]).filter(isWestgardRule);
      if (stored.length) rules = stored;
    }
    if (!rules) {
      targets.length = 0;
      for (const m of run.members) {
        if (m.targetId === null) continue;
        const t = targetById(ctx.targets.get(m.lotId), m.targetId);
        if (!t) continue;
        // with its source: the selector need not look the target up again
        let x = targetPool[targets.length];
        if (!x) targetPool.push((x = { level: '', controlLotId: 0, mean: 0, sd: 0, targetId: 0, source: '' }));
        x.level = m.level;
        x.controlLotId = m.lotId;
        x.mean = t.mean;
        x.sd = t.sd;
        x.targetId = t.id;
        x.source = t.source;
        targets.push(x);
      }
      // the default multirule comes as a frozen array: never changed, only read and stored as JSON
      rules = selector.rulesAt(plan.analyteId, plan.instrument, levelCount(run.members), targets, run.start) as WestgardRule[];
    }
    run.rules = rules = same(rules);
    // the judged members are the run's values (a level and a z each; the evaluator copies both)
    // a run rejected by a category stays out of the signals' history, as any rejected run
    const verdict = evaluator.judge({ id: run.key, values: judged }, rules, category?.status === 'rejected');
    // levels in level order (not first-seen order, which depends on how much history was read)
    for (const v of verdict.violations) if (v.levels.length > 1) sortSmall(v.levels, compareLevels);
    run.verdict = category ? combined(run, verdict, category) : verdict;
  }
}

/** The target of a lot with this id (a lot has a few versions: a loop, no callback per result). */
function targetById<T extends { id: number }>(list: readonly T[] | undefined, id: number): T | undefined {
  if (list) for (const t of list) if (t.id === id) return t;
  return undefined;
}

function sameRules(a: readonly WestgardRule[], b: readonly WestgardRule[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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

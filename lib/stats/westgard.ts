import { roundForDecision } from './numeric';

/**
 * Westgard control rules supported by LabQC, in canonical order (the order in which a run's
 * violations are reported). One tuple for database enums, forms and validation.
 */
export const WESTGARD_RULES = [
  '1-2s',
  '1-3s',
  '2-2s',
  'R-4s',
  '4-1s',
  '2of3-2s',
  '3-1s',
  '6x',
  '8x',
  '9x',
  '10x',
  '12x',
] as const;
/** A Westgard control rule code. */
export type WestgardRule = (typeof WESTGARD_RULES)[number];

/** Status of a QC run: accepted, warning (only 1-2s fired), rejected (any other rule fired). */
export const RUN_STATUSES = ['accepted', 'warning', 'rejected'] as const;
/** Status of a QC run. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * Where a rule looked (DOMAIN.md §4): at the values of the current run only; at one level's
 * values across consecutive runs; or at the flattened sequence (all values ordered by run, then
 * level).
 */
export const WESTGARD_SCOPES = ['within-run', 'across-runs', 'flattened'] as const;
/** Where a rule looked. */
export type WestgardScope = (typeof WESTGARD_SCOPES)[number];

/** One control result of a run: its level (control material) and z = (x − target mean)/target SD. */
export interface ControlValue {
  level: string;
  z: number;
}

/** One QC run: an id and its control values in level order, each level at most once. */
export interface RunInput {
  id: string;
  values: readonly ControlValue[];
}

/** A control value that takes part in a violation. */
export interface ViolationPoint {
  runId: string;
  level: string;
  z: number;
}

/** One rule that fired on a run, with the facts the chart, audit log and corrective action show. */
export interface Violation {
  rule: WestgardRule;
  /** Levels of the values involved, in the order levels were first seen in the sequence. */
  levels: string[];
  /** Scopes in which the rule fired, in the order of {@link WESTGARD_SCOPES}. */
  scopes: WestgardScope[];
  /** The values that make up the pattern(s), oldest first (run order, then level order). */
  points: ViolationPoint[];
}

/** Verdict on one run. */
export interface RunVerdict {
  runId: string;
  status: RunStatus;
  /** Rules that fired, in the order of {@link WESTGARD_RULES}; empty when accepted. */
  violations: Violation[];
}

/**
 * Default rule sets (DOMAIN.md §4; Westgard, "Westgard Rules", westgard.com): 2 levels per run:
 * 1-2s (warning), 1-3s, 2-2s, R-4s, 4-1s, 10x; 3 levels per run: 1-3s, 2of3-2s, R-4s, 3-1s, 6x.
 */
export const DEFAULT_WESTGARD_RULES: Readonly<Record<2 | 3, readonly WestgardRule[]>> = Object.freeze({
  2: Object.freeze(['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x'] as const),
  3: Object.freeze(['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x'] as const),
});

const RULE_SET: ReadonlySet<string> = new Set(WESTGARD_RULES);

/**
 * Whether a string is a supported rule code (for validating rule sets read from storage).
 *
 * @example isWestgardRule('2of3-2s') // => true
 * @example isWestgardRule('2:2s') // => false
 */
export function isWestgardRule(code: string): code is WestgardRule {
  return RULE_SET.has(code);
}

// ---------------------------------------------------------------------------------------------
// Internal representation: every value becomes a Point with its position in the flattened
// sequence (seq) and its z rounded to 9 decimals for decisions (zr). Histories keep only the last
// MAX_WINDOW points, so evaluation is O(values × rules × window) = linear in the number of runs.

/** Longest window any rule needs (12x). */
const MAX_WINDOW = 12;

interface Point {
  readonly seq: number;
  readonly runId: string;
  readonly level: string;
  readonly levelOrder: number;
  readonly z: number;
  readonly zr: number;
}

/**
 * The recent points of a level or of the flattened sequence. Rules read the last MAX_WINDOW; the
 * points of the run being judged can be taken back (a rejected run leaves the history). Older
 * points are dropped between runs, so memory stays O(MAX_WINDOW).
 */
class RecentPoints {
  private points: Point[] = [];

  /** Points available to the rules (at most MAX_WINDOW). */
  get size(): number {
    return this.points.length < MAX_WINDOW ? this.points.length : MAX_WINDOW;
  }

  push(point: Point): void {
    this.points.push(point);
  }

  /** Take back the newest point. */
  pop(): void {
    this.points.pop();
  }

  /** The k-th most recent point (k = 0 is the newest); k < size. */
  back(k: number): Point {
    return this.points[this.points.length - 1 - k];
  }

  /** Forget all but the last MAX_WINDOW points (between runs). */
  trim(): void {
    if (this.points.length > 4 * MAX_WINDOW) this.points = this.points.slice(-MAX_WINDOW);
  }
}

/** A value of the current run together with its level's history (which already contains it). */
interface RunEntry {
  readonly point: Point;
  readonly history: RecentPoints;
}

interface RuleContext {
  /** The current run's values in level order. */
  readonly run: readonly RunEntry[];
  /** The flattened sequence up to and including the current run's last value. */
  readonly flattened: RecentPoints;
}

/** One occurrence of a pattern: where it was seen and which points make it. */
interface Finding {
  readonly scope: WestgardScope;
  readonly points: readonly Point[];
}

type RuleCheck = (ctx: RuleContext) => readonly Finding[];

const NONE: readonly Finding[] = Object.freeze([]);

/** +1 when zr is beyond +k, −1 when beyond −k (strictly), else 0. */
function sideBeyond(zr: number, k: number): 1 | -1 | 0 {
  return zr > k ? 1 : zr < -k ? -1 : 0;
}

/** Values of the run beyond ±k (either side): one within-run finding, or none. */
function anyBeyond(run: readonly RunEntry[], k: number): readonly Finding[] {
  let points: Point[] | undefined;
  for (const { point } of run) {
    if (Math.abs(point.zr) > k) (points ??= []).push(point);
  }
  return points ? [{ scope: 'within-run', points }] : NONE;
}

/** Two or more values of the run beyond k on the same side: one finding per side that has them. */
function twoSameSideWithinRun(run: readonly RunEntry[], k: number): Finding[] {
  let above = 0;
  let below = 0;
  for (const { point } of run) {
    const side = sideBeyond(point.zr, k);
    if (side === 1) above++;
    else if (side === -1) below++;
  }
  const findings: Finding[] = [];
  if (above >= 2) findings.push({ scope: 'within-run', points: run.map((e) => e.point).filter((p) => p.zr > k) });
  if (below >= 2) findings.push({ scope: 'within-run', points: run.map((e) => e.point).filter((p) => p.zr < -k) });
  return findings;
}

/** The last n points of `recent`, oldest first, if all are beyond k on the same side; else null. */
function lastNBeyond(recent: RecentPoints, n: number, k: number): Point[] | null {
  if (recent.size < n) return null;
  const side = sideBeyond(recent.back(0).zr, k);
  if (side === 0) return null;
  for (let i = 1; i < n; i++) {
    if (side * recent.back(i).zr <= k) return null;
  }
  const points = new Array<Point>(n);
  for (let i = 0; i < n; i++) points[i] = recent.back(n - 1 - i);
  return points;
}

/**
 * Rules of the form "N consecutive values beyond k on the same side" (4-1s, 3-1s, Nx): for each
 * level of the run, its last N values ending in the run (across-runs); and the last N values of
 * the flattened sequence ending with the run's last value (flattened).
 */
function consecutiveBeyond(n: number, k: number): RuleCheck {
  return (ctx) => {
    let findings: Finding[] | undefined;
    for (const { history } of ctx.run) {
      const points = lastNBeyond(history, n, k);
      if (points) (findings ??= []).push({ scope: 'across-runs', points });
    }
    if (ctx.run.length > 0) {
      const points = lastNBeyond(ctx.flattened, n, k);
      if (points) (findings ??= []).push({ scope: 'flattened', points });
    }
    return findings ?? NONE;
  };
}

/** 1-2s (warning only): a value of the run beyond ±2 SD. */
function rule1_2s(ctx: RuleContext): readonly Finding[] {
  return anyBeyond(ctx.run, 2);
}

/** 1-3s: a value of the run beyond ±3 SD. */
function rule1_3s(ctx: RuleContext): readonly Finding[] {
  return anyBeyond(ctx.run, 3);
}

/**
 * 2-2s: two values of the run beyond 2 SD on the same side; or, for a level, its value in the run
 * and its previous value both beyond 2 SD on the same side.
 */
function rule2_2s(ctx: RuleContext): readonly Finding[] {
  const findings = twoSameSideWithinRun(ctx.run, 2);
  for (const { history } of ctx.run) {
    const points = lastNBeyond(history, 2, 2);
    if (points) findings.push({ scope: 'across-runs', points });
  }
  return findings.length > 0 ? findings : NONE;
}

/** R-4s: within the run only, one value above +2 SD and another below −2 SD. Never across runs. */
function ruleR_4s(ctx: RuleContext): readonly Finding[] {
  let high = false;
  let low = false;
  for (const { point } of ctx.run) {
    const side = sideBeyond(point.zr, 2);
    if (side === 1) high = true;
    else if (side === -1) low = true;
  }
  if (!(high && low)) return NONE;
  return [{ scope: 'within-run', points: ctx.run.map((e) => e.point).filter((p) => Math.abs(p.zr) > 2) }];
}

/**
 * 2of3-2s: two values of the run beyond 2 SD on the same side; or, for a level whose value in the
 * run is beyond 2 SD, at least two of its last 3 values (the run's included) beyond 2 SD on that
 * same side. A level with only 2 values so far fires when both are beyond (two of those available).
 */
function rule2of3_2s(ctx: RuleContext): readonly Finding[] {
  const findings = twoSameSideWithinRun(ctx.run, 2);
  for (const { point, history } of ctx.run) {
    const side = sideBeyond(point.zr, 2);
    if (side === 0) continue;
    const available = Math.min(3, history.size);
    const points: Point[] = [];
    for (let i = available - 1; i >= 0; i--) {
      const p = history.back(i);
      if (side * p.zr > 2) points.push(p);
    }
    if (points.length >= 2) findings.push({ scope: 'across-runs', points });
  }
  return findings.length > 0 ? findings : NONE;
}

/** 4-1s: 4 consecutive values beyond 1 SD on the same side (per level, and flattened). */
const rule4_1s: RuleCheck = consecutiveBeyond(4, 1);
/** 3-1s: 3 consecutive values beyond 1 SD on the same side (per level, and flattened). */
const rule3_1s: RuleCheck = consecutiveBeyond(3, 1);
/** Nx: N consecutive values on the same side of the mean, z > 0 or z < 0 strictly (z = 0 breaks it). */
const ruleNx = (n: number): RuleCheck => consecutiveBeyond(n, 0);

const RULE_CHECKS: Readonly<Record<WestgardRule, RuleCheck>> = Object.freeze({
  '1-2s': rule1_2s,
  '1-3s': rule1_3s,
  '2-2s': rule2_2s,
  'R-4s': ruleR_4s,
  '4-1s': rule4_1s,
  '2of3-2s': rule2of3_2s,
  '3-1s': rule3_1s,
  '6x': ruleNx(6),
  '8x': ruleNx(8),
  '9x': ruleNx(9),
  '10x': ruleNx(10),
  '12x': ruleNx(12),
});

function toViolation(rule: WestgardRule, findings: readonly Finding[]): Violation {
  const bySeq = new Map<number, Point>();
  const scopes = new Set<WestgardScope>();
  for (const finding of findings) {
    scopes.add(finding.scope);
    for (const p of finding.points) bySeq.set(p.seq, p);
  }
  const points = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const levels = [...new Map(points.map((p) => [p.level, p.levelOrder])).entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([level]) => level);
  return {
    rule,
    levels,
    scopes: WESTGARD_SCOPES.filter((s) => scopes.has(s)),
    points: points.map((p) => ({ runId: p.runId, level: p.level, z: p.z })),
  };
}

/**
 * Evaluates Westgard multirules on a sequence of QC runs and returns one verdict per run, in order.
 *
 * Sources: Westgard JO, Barry PL, Hunt MR, Groth T. A multi-rule Shewhart chart for quality
 * control in clinical chemistry. Clin Chem 1981;27:493–501; CLSI C24 (4th ed.); the scopes are
 * made exact by DOMAIN.md §4 "Rule semantics used by LabQC", which this follows to the letter:
 * - "beyond k" is strict, |z| > k, after rounding z to 9 decimals (2.0000000000000018 is 2, not
 *   beyond 2); for Nx "above/below the mean" is z > 0 / z < 0, so z = 0 breaks a streak;
 * - 1-2s, 1-3s, R-4s look within the run only; 2-2s and 2of3-2s within the run and per level
 *   across runs; 4-1s, 3-1s and Nx per level across runs and on the flattened sequence (all values
 *   ordered by run, then level), always ending with the current run's value(s);
 * - 1-2s alone makes a run `warning`; any other rule makes it `rejected`. All selected rules are
 *   always evaluated (DOMAIN.md; in the 1981 paper 1-2s was a warning that triggered inspection by
 *   the other rules — DOMAIN.md and current computer practice evaluate every rule).
 *
 * `runs` are oldest first; each run's values in level order, each level at most once (a run may
 * lack a level: that level's history simply skips it). **Rejected runs are not removed**: every
 * given run counts toward later runs' across-run rules. The caller decides which history matters
 * (e.g. only in-control runs since the targets took effect) and passes it before the runs to judge,
 * discarding the verdicts it does not need. This keeps the function simple and its output a pure
 * function of its input.
 *
 * Linear in the number of runs: each level and the flattened sequence keep a ring buffer of their
 * last 12 values, so a run costs O(levels × rules × 12) whatever the history length. `runs` may be
 * any iterable (e.g. a generator streaming from storage).
 *
 * Throws a RangeError for an unknown rule code, a non-finite z, a missing id or level, or a level
 * repeated within a run.
 *
 * @example
 * // Westgard's cholesterol example: control 1 mean 200 SD 4, control 2 mean 250 SD 5
 * evaluateWestgard(
 *   [{ id: 'r1', values: [{ level: 'C1', z: (209 - 200) / 4 }, { level: 'C2', z: (261 - 250) / 5 }] }],
 *   ['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10x'],
 * )
 * // => [{ runId: 'r1', status: 'rejected', violations: [
 * //      { rule: '1-2s', levels: ['C1', 'C2'], scopes: ['within-run'], points: [...] },
 * //      { rule: '2-2s', levels: ['C1', 'C2'], scopes: ['within-run'], points: [...] }] }]
 */
export function evaluateWestgard(runs: Iterable<RunInput>, rules: readonly WestgardRule[]): RunVerdict[] {
  const selected = selectRules(rules);
  const state = new EvaluatorState(true);
  const verdicts: RunVerdict[] = [];
  for (const run of runs) verdicts.push(state.judge(run, selected, verdicts.length));
  return verdicts;
}

/** An incremental Westgard evaluator: a history of values per level and of the flattened sequence. */
export interface WestgardEvaluator {
  /** Add a run to the history without judging it (in-control runs before the ones to judge). */
  remember(run: RunInput): void;
  /**
   * Judge a run after the history (as {@link evaluateWestgard} judges the last of `[...history, run]`)
   * and then add it to the history — unless it is rejected and the evaluator was created with
   * `keepRejected: false` (the default): a rejected run's values stay out of the history later runs
   * are judged against (DOMAIN.md §4: rejected points stay on the chart but out of the statistics).
   */
  judge(run: RunInput, rules: readonly WestgardRule[]): RunVerdict;
}

/**
 * An evaluator that judges one run at a time, each with its own rule set (the rule set in force
 * when the run was measured), looking back over the last 12 values of each level and of the
 * flattened sequence — whatever runs those values came in (DOMAIN.md §4). Same rules, scopes and
 * degenerate cases as {@link evaluateWestgard}; O(levels × rules × 12) per run.
 *
 * @example
 * // a level present every other run, always at +0.5 SD: 10x fires on its 10th value
 * const ev = createWestgardEvaluator();
 * for (let i = 0; i < 19; i++) ev.judge({ id: `r${i}`, values: i % 2 ? [{ level: '1', z: 0 }] : [{ level: '1', z: 0 }, { level: '2', z: 0.5 }] }, ['10x']);
 * // the 19th run (i = 18) holds level 2's 10th value at +0.5: { status: 'rejected', violations: [{ rule: '10x', ... }] }
 */
export function createWestgardEvaluator(options: { keepRejected?: boolean } = {}): WestgardEvaluator {
  const state = new EvaluatorState(options.keepRejected ?? false);
  let lastRules: readonly WestgardRule[] | null = null;
  let lastSelected: WestgardRule[] = [];
  let count = 0;
  return {
    remember(run) {
      state.remember(run, count++);
    },
    judge(run, rules) {
      if (rules !== lastRules) {
        lastSelected = selectRules(rules);
        lastRules = rules;
      }
      return state.judge(run, lastSelected, count++);
    },
  };
}

class EvaluatorState {
  private readonly histories = new Map<string, RecentPoints>();
  private readonly levelOrders = new Map<string, number>();
  private readonly flattened = new RecentPoints();
  private seq = 0;

  constructor(private readonly keepRejected: boolean) {}

  /** Push the run's values; returns its entries (throws RangeError on bad input). */
  private push(run: RunInput, index: number): RunEntry[] {
    if (run === null || typeof run !== 'object' || typeof run.id !== 'string') {
      throw new RangeError(`run #${index} must have a string id`);
    }
    const values = run.values;
    if (!Array.isArray(values)) throw new RangeError(`run ${run.id}: values must be an array`);
    const entries = new Array<RunEntry>(values.length);
    for (let i = 0; i < values.length; i++) {
      const { level, z } = values[i] as ControlValue;
      if (typeof level !== 'string') {
        this.pop(entries.slice(0, i));
        throw new RangeError(`run ${run.id}: values[${i}].level must be a string`);
      }
      if (typeof z !== 'number' || !Number.isFinite(z)) {
        this.pop(entries.slice(0, i));
        throw new RangeError(`run ${run.id}, level ${level}: z must be a finite number, got ${String(z)}`);
      }
      for (let j = 0; j < i; j++) {
        if (entries[j].point.level === level) {
          this.pop(entries.slice(0, i));
          throw new RangeError(`run ${run.id}: level ${level} appears twice`);
        }
      }
      let history = this.histories.get(level);
      if (history === undefined) {
        history = new RecentPoints();
        this.histories.set(level, history);
        this.levelOrders.set(level, this.levelOrders.size);
      }
      const point: Point = {
        seq: this.seq++,
        runId: run.id,
        level,
        levelOrder: this.levelOrders.get(level) as number,
        z,
        zr: roundForDecision(z),
      };
      history.push(point);
      this.flattened.push(point);
      entries[i] = { point, history };
    }
    return entries;
  }

  /** Take a run's values back out of the histories. */
  private pop(entries: readonly RunEntry[]): void {
    for (const e of entries) {
      e.history.pop();
      this.flattened.pop();
    }
  }

  private trim(entries: readonly RunEntry[]): void {
    for (const e of entries) e.history.trim();
    this.flattened.trim();
  }

  remember(run: RunInput, index: number): void {
    this.trim(this.push(run, index));
  }

  judge(run: RunInput, selected: readonly WestgardRule[], index: number): RunVerdict {
    const entries = this.push(run, index);
    const ctx: RuleContext = { run: entries, flattened: this.flattened };
    const violations: Violation[] = [];
    let rejected = false;
    for (const rule of selected) {
      const findings = RULE_CHECKS[rule](ctx);
      if (findings.length === 0) continue;
      violations.push(toViolation(rule, findings));
      if (rule !== '1-2s') rejected = true;
    }
    if (rejected && !this.keepRejected) this.pop(entries);
    else this.trim(entries);
    const status: RunStatus = rejected ? 'rejected' : violations.length > 0 ? 'warning' : 'accepted';
    return { runId: run.id, status, violations };
  }
}

/** Validates rule codes and returns them deduplicated in canonical order. */
function selectRules(rules: readonly WestgardRule[]): WestgardRule[] {
  if (!Array.isArray(rules)) throw new RangeError('rules must be an array of rule codes');
  for (const rule of rules) {
    if (!isWestgardRule(rule)) {
      throw new RangeError(`unknown Westgard rule ${JSON.stringify(rule)}; expected one of ${WESTGARD_RULES.join(', ')}`);
    }
  }
  return WESTGARD_RULES.filter((rule) => rules.includes(rule));
}

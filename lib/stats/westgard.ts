// Westgard multirule evaluation over runs of z-values (the rules themselves: ./westgard-rules.ts).
import { roundForDecision } from './numeric';
import { WESTGARD_RULES, type WestgardRule, type RunStatus, type ControlValue, type RunInput, type Violation, type RunVerdict, isWestgardRule } from './westgard-types';
import { type Point, RecentPoints, type RunEntry, type RuleContext, RULE_CHECKS, toViolation } from './westgard-rules';

export * from './westgard-types';

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
  const state = new EvaluatorState(true, Infinity);
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
   * `rejectedOtherwise`: the run is rejected for another reason (a qualitative control read outside
   * its category): its values are judged, then kept out of the history as a rejected run's.
   */
  judge(run: RunInput, rules: readonly WestgardRule[], rejectedOtherwise?: boolean): RunVerdict;
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
export function createWestgardEvaluator(options: { keepRejected?: boolean; lookbackRuns?: number } = {}): WestgardEvaluator {
  const state = new EvaluatorState(options.keepRejected ?? false, options.lookbackRuns ?? Infinity);
  let lastRules: readonly WestgardRule[] | null = null;
  let lastSelected: WestgardRule[] = [];
  let count = 0;
  return {
    remember(run) {
      state.remember(run, count++);
    },
    judge(run, rules, rejectedOtherwise = false) {
      if (rules !== lastRules) {
        lastSelected = selectRules(rules);
        lastRules = rules;
      }
      return state.judge(run, lastSelected, count++, rejectedOtherwise);
    },
  };
}

class EvaluatorState {
  private readonly histories = new Map<string, RecentPoints>();
  private readonly levelOrders = new Map<string, number>();
  private readonly flattened = new RecentPoints();
  private seq = 0;
  /** runs in the history (remembered, or judged and kept) */
  private runs = 0;

  /**
   * `lookbackRuns`: a level's values from runs more than this many runs of the history back are
   * forgotten, as a reader of stored history that reads that many runs forgets them: the same
   * verdicts whether a series is judged in one batch or run by run after its stored history.
   */
  constructor(
    private readonly keepRejected: boolean,
    private readonly lookbackRuns: number,
  ) {}

  /** Push the run's values; returns its entries (throws RangeError on bad input). */
  private push(run: RunInput, index: number): RunEntry[] {
    if (run === null || typeof run !== 'object' || typeof run.id !== 'string') {
      throw new RangeError(`run #${index} must have a string id`);
    }
    const values = run.values;
    if (!Array.isArray(values)) throw new RangeError(`run ${run.id}: values must be an array`);
    const entries = new Array<RunEntry>(values.length);
    if (this.runs > this.lookbackRuns) this.flattened.forgetBefore(this.runs - this.lookbackRuns);
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
      } else if (this.runs > this.lookbackRuns) history.forgetBefore(this.runs - this.lookbackRuns);
      const point: Point = {
        seq: this.seq++,
        runId: run.id,
        level,
        levelOrder: this.levelOrders.get(level) as number,
        z,
        zr: roundForDecision(z),
        runIndex: this.runs,
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
    this.runs++;
  }

  judge(run: RunInput, selected: readonly WestgardRule[], index: number, rejectedOtherwise = false): RunVerdict {
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
    if ((rejected || rejectedOtherwise) && !this.keepRejected) this.pop(entries);
    else {
      this.trim(entries);
      this.runs++;
    }
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

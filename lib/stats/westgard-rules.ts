// One function per Westgard rule over z-values, each returning the points that fired it and where
// (within the run, across runs per level, on the flattened sequence); ./westgard.ts runs them.
import { type WestgardRule, WESTGARD_SCOPES, type WestgardScope, type Violation } from './westgard-types';

// ---------------------------------------------------------------------------------------------
// Internal representation: every value becomes a Point with its position in the flattened
// sequence (seq) and its z rounded to 9 decimals for decisions (zr). Histories keep only the last
// MAX_WINDOW points, so evaluation is O(values × rules × window) = linear in the number of runs.

/** Longest window any rule needs (12x). */
export const MAX_WINDOW = 12;

export interface Point {
  readonly seq: number;
  readonly runId: string;
  readonly level: string;
  readonly levelOrder: number;
  readonly z: number;
  readonly zr: number;
  /** how many runs the history held before this point's run (an evaluator's lookbackRuns) */
  readonly runIndex: number;
}

/**
 * The recent points of a level or of the flattened sequence. Rules read the last MAX_WINDOW; the
 * points of the run being judged can be taken back (a rejected run leaves the history). Older
 * points are dropped between runs, so memory stays O(MAX_WINDOW).
 */
export class RecentPoints {
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

  /** Forget the points of runs before `runIndex` (a level not measured for lookbackRuns runs). */
  forgetBefore(runIndex: number): void {
    let i = 0;
    while (i < this.points.length && this.points[i].runIndex < runIndex) i++;
    if (i) this.points = this.points.slice(i);
  }

  /** Forget all but the last MAX_WINDOW points (between runs). */
  trim(): void {
    if (this.points.length > 4 * MAX_WINDOW) this.points = this.points.slice(-MAX_WINDOW);
  }
}

/** A value of the current run together with its level's history (which already contains it). */
export interface RunEntry {
  readonly point: Point;
  readonly history: RecentPoints;
}

export interface RuleContext {
  /** The current run's values in level order. */
  readonly run: readonly RunEntry[];
  /** The flattened sequence up to and including the current run's last value. */
  readonly flattened: RecentPoints;
}

/** One occurrence of a pattern: where it was seen and which points make it. */
export interface Finding {
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

/** Two or more values of the run beyond k on the same side: one finding per side that has them
 * (undefined when no side has: most runs, judged without an array). */
function twoSameSideWithinRun(run: readonly RunEntry[], k: number): Finding[] | undefined {
  let above = 0;
  let below = 0;
  for (const { point } of run) {
    const side = sideBeyond(point.zr, k);
    if (side === 1) above++;
    else if (side === -1) below++;
  }
  if (above < 2 && below < 2) return undefined;
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
  let findings = twoSameSideWithinRun(ctx.run, 2);
  for (const { history } of ctx.run) {
    const points = lastNBeyond(history, 2, 2);
    if (points) (findings ??= []).push({ scope: 'across-runs', points });
  }
  return findings ?? NONE;
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
  let findings = twoSameSideWithinRun(ctx.run, 2);
  for (const { point, history } of ctx.run) {
    const side = sideBeyond(point.zr, 2);
    if (side === 0) continue;
    const available = Math.min(3, history.size);
    const points: Point[] = [];
    for (let i = available - 1; i >= 0; i--) {
      const p = history.back(i);
      if (side * p.zr > 2) points.push(p);
    }
    if (points.length >= 2) (findings ??= []).push({ scope: 'across-runs', points });
  }
  return findings ?? NONE;
}

/** 4-1s: 4 consecutive values beyond 1 SD on the same side (per level, and flattened). */
const rule4_1s: RuleCheck = consecutiveBeyond(4, 1);
/** 3-1s: 3 consecutive values beyond 1 SD on the same side (per level, and flattened). */
const rule3_1s: RuleCheck = consecutiveBeyond(3, 1);
/** Nx: N consecutive values on the same side of the mean, z > 0 or z < 0 strictly (z = 0 breaks it). */
const ruleNx = (n: number): RuleCheck => consecutiveBeyond(n, 0);

export const RULE_CHECKS: Readonly<Record<WestgardRule, RuleCheck>> = Object.freeze({
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

export function toViolation(rule: WestgardRule, findings: readonly Finding[]): Violation {
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

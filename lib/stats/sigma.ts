import { assertFinite, assertPositive, roundForDecision } from './numeric';
import { WESTGARD_RULES, type WestgardRule } from './westgard';

/**
 * Sigma metric of a method: σ = (TEa% − |bias%|)/CV%, all in percent (Westgard JO, Westgard SA.
 * "The quality of laboratory testing today", Am J Clin Pathol 2006;125:343–354; DOMAIN.md §4).
 * May be negative when |bias| exceeds TEa.
 *
 * Throws a RangeError when CV ≤ 0, TEa < 0, or an argument is not finite.
 *
 * @example sigmaMetric(10, 1, 1.5) // => 6
 * @example sigmaMetric(6, -1, 1) // => 5 (|bias| is used)
 */
export function sigmaMetric(teaPercent: number, biasPercent: number, cvPercent: number): number {
  assertFinite('teaPercent', teaPercent);
  if (teaPercent < 0) throw new RangeError(`teaPercent must not be negative, got ${teaPercent}`);
  assertFinite('biasPercent', biasPercent);
  assertPositive('cvPercent', cvPercent);
  return (teaPercent - Math.abs(biasPercent)) / cvPercent;
}

/** One row of a sigma rules table: applies when σ ≥ minSigma (and below the next row up). */
export interface SigmaRulesRow {
  /** Lower bound of the row, inclusive. The lowest row uses -Infinity. */
  minSigma: number;
  /** Rule set by number of control levels per run. */
  rules: Readonly<Record<number, readonly WestgardRule[]>>;
  /** Advice shown with the rules, if any. */
  advice?: string;
}

/** A sigma rules table: rows in any order; the row with the largest minSigma ≤ σ applies. */
export type SigmaRulesTable = readonly SigmaRulesRow[];

/**
 * Westgard Sigma Rules (Westgard JO, Westgard SA, "Westgard Sigma Rules", westgard.com, 2014;
 * DOMAIN.md §4), for 2 and 3 control levels per run. Kept as data because the 5σ row differs
 * between sources and a region may set its own: pass a replacement table to
 * {@link recommendRules}. '1-2s' is not in any row: the Sigma Rules do not use it, and a region
 * that wants it as a warning adds it to the recommended set.
 */
export const SIGMA_RULES_TABLE: SigmaRulesTable = Object.freeze([
  Object.freeze({
    minSigma: 6,
    rules: Object.freeze({ 2: Object.freeze(['1-3s'] as const), 3: Object.freeze(['1-3s'] as const) }),
  }),
  Object.freeze({
    minSigma: 5,
    rules: Object.freeze({
      2: Object.freeze(['1-3s', '2-2s', 'R-4s'] as const),
      3: Object.freeze(['1-3s', '2of3-2s', 'R-4s'] as const),
    }),
  }),
  Object.freeze({
    minSigma: 4,
    rules: Object.freeze({
      2: Object.freeze(['1-3s', '2-2s', 'R-4s', '4-1s'] as const),
      3: Object.freeze(['1-3s', '2of3-2s', 'R-4s', '3-1s'] as const),
    }),
  }),
  Object.freeze({
    minSigma: -Infinity,
    rules: Object.freeze({
      2: Object.freeze(['1-3s', '2-2s', 'R-4s', '4-1s', '8x'] as const),
      3: Object.freeze(['1-3s', '2of3-2s', 'R-4s', '3-1s', '6x'] as const),
    }),
    advice: 'Below 4 sigma: run more controls per run and improve the method.',
  }),
]);

/**
 * The row of a sigma rules table that applies to σ: the row with the largest minSigma ≤ σ, with σ
 * and the bounds rounded to 9 decimals (so a σ computed as 4.999999999999999 is 5).
 *
 * Throws a RangeError for NaN or when no row applies.
 *
 * @example sigmaRulesRow(4.2).minSigma // => 4
 */
export function sigmaRulesRow(sigma: number, table: SigmaRulesTable = SIGMA_RULES_TABLE): SigmaRulesRow {
  if (typeof sigma !== 'number' || Number.isNaN(sigma)) throw new RangeError(`sigma must be a number, got ${String(sigma)}`);
  const s = roundForDecision(sigma);
  let best: SigmaRulesRow | undefined;
  for (const row of table) {
    if (roundForDecision(row.minSigma) <= s && (best === undefined || row.minSigma > best.minSigma)) best = row;
  }
  if (best === undefined) throw new RangeError(`no row of the sigma rules table applies to sigma ${sigma}`);
  return best;
}

/**
 * Recommended Westgard rules for a method's sigma and the number of control levels per run, from
 * the Westgard Sigma Rules table ({@link SIGMA_RULES_TABLE}, or a regional replacement). Row
 * bounds are inclusive below: σ = 6 → "≥ 6" row, σ = 5 → "5–6" row, σ = 4 → "4–5" row.
 * Returns a new array (safe to modify).
 *
 * Throws a RangeError for NaN, or when the table has no rule set for that number of levels, or
 * contains an unknown rule code.
 *
 * @example recommendRules(6.3, 2) // => ['1-3s']
 * @example recommendRules(5, 3) // => ['1-3s', '2of3-2s', 'R-4s']
 * @example recommendRules(3.2, 2) // => ['1-3s', '2-2s', 'R-4s', '4-1s', '8x']
 */
export function recommendRules(
  sigma: number,
  levelsPerRun: number,
  table: SigmaRulesTable = SIGMA_RULES_TABLE,
): WestgardRule[] {
  const row = sigmaRulesRow(sigma, table);
  const rules = row.rules[levelsPerRun];
  if (rules === undefined) {
    throw new RangeError(`the sigma rules table has no rule set for ${levelsPerRun} control levels per run`);
  }
  for (const rule of rules) {
    if (!(WESTGARD_RULES as readonly string[]).includes(rule)) throw new RangeError(`unknown Westgard rule ${rule} in table`);
  }
  return [...rules];
}

/** How many of a lab's latest published EQA events give the bias of the sigma metric (issue 9). */
export const SIGMA_BIAS_EVENTS = 2;

/** The graded results of one EQA event: how many have a percent deviation, and their sum. */
export interface EqaDeviationSum {
  n: number;
  sumPercent: number;
}

/**
 * Bias % for the sigma metric from EQA (DOMAIN.md §4: "the lab's mean percent deviation in recent
 * published events", never IQC against the lab's own mean): the mean percent deviation of every
 * graded result of the given events, each result weighing the same (signed; the metric uses |bias|).
 * Pass the {@link SIGMA_BIAS_EVENTS} latest events.
 *
 * Returns null when the events hold no result (no bias known). Throws a RangeError for a negative
 * or fractional n, or a non-finite sum.
 *
 * @example eqaBiasPercent([{ n: 5, sumPercent: 15 }, { n: 5, sumPercent: 10 }]) // => 2.5
 */
export function eqaBiasPercent(events: readonly EqaDeviationSum[]): number | null {
  let n = 0;
  let sum = 0;
  for (const e of events) {
    if (!Number.isInteger(e.n) || e.n < 0) throw new RangeError(`n must be a non-negative integer, got ${e.n}`);
    assertFinite('sumPercent', e.sumPercent);
    n += e.n;
    sum += e.sumPercent;
  }
  return n === 0 ? null : sum / n;
}

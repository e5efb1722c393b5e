import { assertFinite, roundForDecision } from './numeric';

/**
 * EQA grading of categorical items (DOMAIN.md §2): qualitative (negative/positive,
 * non-reactive/reactive), ordinal (urine dipstick −, ±, 1+ … 4+; titres) and nominal (blood group
 * ABO, RhD). Pure functions over **grades**: a category's position in the item's ordered list of
 * categories, 0 = the lowest (negative) one (lib/catalogue/kinds.ts `gradeOf`). For qualitative and
 * nominal items the grade is only an identity (no order is used); for ordinal items the distance
 * between grades is the number of steps on the scale.
 *
 * Sources:
 * - CLIA 42 CFR 493.927 (and §493.909/.917/.937 for the other specialties): a qualitative sample is
 *   graded against the intended response, or without one against the consensus of at least 80 % of
 *   ten or more referee laboratories or of all participants; a sample without such consensus is not
 *   graded.
 * - CLIA 42 CFR 493.859: ABO group and D (Rho) typing need 100 % per event; antibody detection 80 %.
 * - NCCL urinalysis EQA criteria: a dipstick result is acceptable within ±1 grade of the target or
 *   of the participants' mode; a negative target must be reported negative (DOMAIN.md §2 marks this
 *   *unverified*, so it is a setting, default on). KEQAS titres: mode ± 1 dilution (CAP ± 2).
 */

export const CATEGORICAL_KINDS = ['qualitative', 'ordinal', 'nominal'] as const;
export type CategoricalKind = (typeof CATEGORICAL_KINDS)[number];

/** Default share of participants that makes a consensus, in percent (CLIA 42 CFR 493.927). */
export const DEFAULT_CONSENSUS_PERCENT = 80;
/** Default tolerance of ordinal items, in grades (NCCL urinalysis: ±1 grade). */
export const DEFAULT_ORDINAL_TOLERANCE = 1;
/** Default event pass mark per kind, in percent (CLIA 42 CFR 493 Subpart I; 493.859: blood group 100). */
export const DEFAULT_CATEGORICAL_PASS_PERCENT: Readonly<Record<CategoricalKind, number>> = Object.freeze({ qualitative: 80, ordinal: 80, nominal: 100 });

/** Per-scheme settings of categorical grading. */
export interface CategoricalSettings {
  /** share of answers the most frequent category needs to be the consensus, in percent (0 < p ≤ 100) */
  consensusPercent: number;
  /** ordinal items: how many grades an answer may lie from the target */
  ordinalTolerance: number;
  /** ordinal items: a negative target must be answered negative */
  negativeMustBeNegative: boolean;
  /** fewest answers from which a consensus or mode is taken (an intended result needs none) */
  minAnswers: number;
}

export const DEFAULT_CATEGORICAL_SETTINGS: Readonly<CategoricalSettings> = Object.freeze({
  consensusPercent: DEFAULT_CONSENSUS_PERCENT,
  ordinalTolerance: DEFAULT_ORDINAL_TOLERANCE,
  negativeMustBeNegative: true,
  minAnswers: 1,
});

/** Where a target comes from. */
export type TargetBasis = 'intended' | 'consensus' | 'mode';

/** Why a sample has no target and is therefore not evaluated. */
export type NoTargetReason = 'no_answers' | 'too_few_results' | 'no_consensus' | 'multimodal';

/** Counts of each grade among the answers. */
export interface Tally {
  /** answers counted */
  n: number;
  /** grade → number of answers, ascending by grade */
  counts: Map<number, number>;
}

/** The target of one sample × item, or why there is none; `agreeing` = answers naming the target grade. */
export type CategoricalTarget =
  | { ok: true; grade: number; basis: TargetBasis; n: number; agreeing: number }
  | { ok: false; reason: NoTargetReason; n: number; agreeing: number };

function assertGrade(name: string, g: number): void {
  if (!Number.isInteger(g) || g < 0) throw new RangeError(`${name} must be a grade (an integer ≥ 0), got ${String(g)}`);
}

/** Count the answers per grade. The order of the answers does not matter. */
export function tallyGrades(grades: readonly number[]): Tally {
  const counts = new Map<number, number>();
  for (const g of grades) {
    assertGrade('answer', g);
    counts.set(g, (counts.get(g) ?? 0) + 1);
  }
  return { n: grades.length, counts: new Map([...counts].sort((a, b) => a[0] - b[0])) };
}

/** The most frequent grades (several on a tie), ascending, with their count. */
function mostFrequent(t: Tally): { grades: number[]; count: number } {
  let count = 0;
  let grades: number[] = [];
  for (const [g, c] of t.counts) {
    if (c > count) {
      count = c;
      grades = [g];
    } else if (c === count) grades.push(g);
  }
  return { grades, count };
}

/**
 * Consensus of the participants (CLIA 42 CFR 493.927): the most frequent answer when at least
 * `percent` % of the answers name it — compared as 100·agreeing ≥ percent·n after rounding to 9
 * decimals, so 8 of 10 at 80 % is a consensus (exactly 80 %) and 79 of 99 (79.8 %) is not. A tie
 * for the most frequent answer is never a consensus (possible only with percent ≤ 50). Fewer than
 * `minAnswers` answers: `too_few_results` (a lab must not be graded against itself alone).
 *
 * @example consensusTarget([1,1,1,1,1,1,1,1,0,0], 80) // => { ok: true, grade: 1, basis: 'consensus', n: 10, agreeing: 8 }
 * @example consensusTarget([1,1,1,1,1,1,1,0,0,0], 80) // => { ok: false, reason: 'no_consensus', n: 10, agreeing: 7 }
 */
export function consensusTarget(grades: readonly number[], percent: number = DEFAULT_CONSENSUS_PERCENT, minAnswers = 1): CategoricalTarget {
  assertPercent(percent);
  const t = tallyGrades(grades);
  if (t.n === 0) return { ok: false, reason: 'no_answers', n: 0, agreeing: 0 };
  const top = mostFrequent(t);
  if (t.n < minAnswers) return { ok: false, reason: 'too_few_results', n: t.n, agreeing: top.count };
  const reached = roundForDecision(100 * top.count) >= roundForDecision(percent * t.n);
  if (top.grades.length !== 1 || !reached) return { ok: false, reason: 'no_consensus', n: t.n, agreeing: top.count };
  return { ok: true, grade: top.grades[0], basis: 'consensus', n: t.n, agreeing: top.count };
}

/**
 * Mode of the participants' grades (NCCL urinalysis: target = mode when no intended result).
 * A **multimodal** answer set (two or more grades equally most frequent) has no target: the sample
 * is not evaluated (`multimodal`). LabQC chooses this over taking the lower or the central grade,
 * because either pick would grade the labs of one of the tied grades against an arbitrary choice;
 * it is the ordinal counterpart of CLIA's "no consensus → not graded". Fewer than `minAnswers`
 * answers: `too_few_results`.
 *
 * @example modeTarget([0,1,1,2,2,2]) // => { ok: true, grade: 2, basis: 'mode', n: 6, agreeing: 3 }
 * @example modeTarget([1,1,2,2]) // => { ok: false, reason: 'multimodal', n: 4, agreeing: 2 }
 */
export function modeTarget(grades: readonly number[], minAnswers = 1): CategoricalTarget {
  const t = tallyGrades(grades);
  if (t.n === 0) return { ok: false, reason: 'no_answers', n: 0, agreeing: 0 };
  const top = mostFrequent(t);
  if (t.n < minAnswers) return { ok: false, reason: 'too_few_results', n: t.n, agreeing: top.count };
  if (top.grades.length !== 1) return { ok: false, reason: 'multimodal', n: t.n, agreeing: top.count };
  return { ok: true, grade: top.grades[0], basis: 'mode', n: t.n, agreeing: top.count };
}

/**
 * Target of a sample × item: the intended result when the round has one (for every kind, whatever
 * the participants answered); else the participants' consensus (qualitative, nominal) or their mode
 * (ordinal).
 */
export function categoricalTarget(
  kind: CategoricalKind,
  grades: readonly number[],
  intended: number | null,
  settings: Pick<CategoricalSettings, 'consensusPercent' | 'minAnswers'> = DEFAULT_CATEGORICAL_SETTINGS,
): CategoricalTarget {
  if (intended !== null) {
    assertGrade('intended', intended);
    const agreeing = grades.filter((g) => g === intended).length;
    return { ok: true, grade: intended, basis: 'intended', n: grades.length, agreeing };
  }
  return kind === 'ordinal' ? modeTarget(grades, settings.minAnswers) : consensusTarget(grades, settings.consensusPercent, settings.minAnswers);
}

/** Qualitative result: acceptable when it is the target category (CLIA 42 CFR 493.927). */
export function gradeQualitative(answer: number, target: number): boolean {
  assertGrade('answer', answer);
  assertGrade('target', target);
  return answer === target;
}

/** Nominal result (blood group): acceptable only when it is exactly the target (42 CFR 493.859). */
export function gradeNominal(answer: number, target: number): boolean {
  return gradeQualitative(answer, target);
}

/**
 * Ordinal result: acceptable when |answer − target| ≤ tolerance grades (NCCL urinalysis ±1 grade),
 * except that a **negative** target must be answered negative when `negativeMustBeNegative`
 * (a ± "trace" for a negative sample fails). `negativeGrade` is the grade that means negative —
 * 0 for scales that start at negative (−, ±, 1+, …), null for scales without one (urine pH, SG),
 * which then use the tolerance only.
 *
 * @example gradeOrdinal(2, 1) // => true  (1+ for target ±: one grade up)
 * @example gradeOrdinal(1, 0) // => false (± for a negative target)
 * @example gradeOrdinal(3, 1) // => false (2+ for target ±: two grades)
 */
export function gradeOrdinal(
  answer: number,
  target: number,
  opts: { tolerance?: number; negativeMustBeNegative?: boolean; negativeGrade?: number | null } = {},
): boolean {
  assertGrade('answer', answer);
  assertGrade('target', target);
  const tolerance = opts.tolerance ?? DEFAULT_ORDINAL_TOLERANCE;
  if (!Number.isInteger(tolerance) || tolerance < 0) throw new RangeError(`tolerance must be an integer ≥ 0, got ${String(tolerance)}`);
  const negativeGrade = opts.negativeGrade === undefined ? 0 : opts.negativeGrade;
  if ((opts.negativeMustBeNegative ?? true) && negativeGrade !== null && target === negativeGrade) return answer === negativeGrade;
  return Math.abs(answer - target) <= tolerance;
}

/** One answer graded against its target, for any categorical kind. */
export function gradeCategorical(
  kind: CategoricalKind,
  answer: number,
  target: number,
  settings: Pick<CategoricalSettings, 'ordinalTolerance' | 'negativeMustBeNegative'> = DEFAULT_CATEGORICAL_SETTINGS,
  negativeGrade: number | null = 0,
): boolean {
  if (kind === 'ordinal') return gradeOrdinal(answer, target, { tolerance: settings.ordinalTolerance, negativeMustBeNegative: settings.negativeMustBeNegative, negativeGrade });
  return kind === 'nominal' ? gradeNominal(answer, target) : gradeQualitative(answer, target);
}

/** Verdict of one sample's answers: the target, and per answer (same order) acceptable or not; all null without a target. */
export interface SampleGrading {
  target: CategoricalTarget;
  acceptable: (boolean | null)[];
}

/**
 * Grade every answer to one sample × item: find the target ({@link categoricalTarget}), then grade
 * each answer against it ({@link gradeCategorical}). Without a target every answer is not evaluated
 * (null). The verdict of an answer depends only on its own grade and on the multiset of all answers,
 * never on which lab gave which answer or in what order they arrived.
 */
export function gradeSample(
  kind: CategoricalKind,
  answers: readonly number[],
  intended: number | null,
  settings: CategoricalSettings = DEFAULT_CATEGORICAL_SETTINGS,
  negativeGrade: number | null = 0,
): SampleGrading {
  const target = categoricalTarget(kind, answers, intended, settings);
  if (!target.ok) return { target, acceptable: answers.map(() => null) };
  return { target, acceptable: answers.map((a) => gradeCategorical(kind, a, target.grade, settings, negativeGrade)) };
}

/**
 * Concordance rate of an item: acceptable answers / evaluated answers × 100 (null when none was
 * evaluated) — the regulator's summary per item.
 *
 * @example concordancePercent(19, 20) // => 95
 */
export function concordancePercent(acceptable: number, evaluated: number): number | null {
  if (evaluated === 0) return null;
  if (!Number.isInteger(acceptable) || !Number.isInteger(evaluated) || acceptable < 0 || acceptable > evaluated) {
    throw new RangeError(`need 0 ≤ acceptable ≤ evaluated, got ${acceptable} of ${evaluated}`);
  }
  return (100 * acceptable) / evaluated;
}

function assertPercent(percent: number): void {
  assertFinite('consensus percent', percent);
  if (percent <= 0 || percent > 100) throw new RangeError(`consensus percent must be in (0, 100], got ${percent}`);
}

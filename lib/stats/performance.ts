import { assertFinite, roundForDecision } from './numeric';

/** Verdict of one EQA event for one analyte, as one tuple for enums and forms. */
export const ROUND_VERDICTS = ['satisfactory', 'unsatisfactory'] as const;
/** Verdict of one EQA event for one analyte. */
export type RoundVerdict = (typeof ROUND_VERDICTS)[number];

/** Default passing score of an analyte in an EQA event, in percent (CLIA; DOMAIN.md §2). */
export const DEFAULT_PASS_PERCENT = 80;

/**
 * Analyte score for an EQA event: acceptable results / samples × 100, CLIA 42 CFR 493 Subpart I
 * (e.g. §493.931 routine chemistry; DOMAIN.md §2).
 *
 * One flag per sample sent. A sample the laboratory did not report is `false` (not acceptable);
 * an analyte not submitted at all is therefore `[false, false, false, false, false]` → 0, which
 * is how CLIA scores non-participation. An empty list (no samples) throws a RangeError: it is a
 * scheme configuration error, not a score.
 *
 * @example roundScore([true, false, true, false, true]) // => 60 (potassium example, DOMAIN.md §2)
 */
export function roundScore(acceptableFlags: readonly boolean[]): number {
  const n = acceptableFlags.length;
  if (n === 0) throw new RangeError('roundScore needs at least one sample');
  let acceptable = 0;
  for (const flag of acceptableFlags) {
    if (typeof flag !== 'boolean') throw new RangeError(`acceptable flags must be booleans, got ${String(flag)}`);
    if (flag) acceptable++;
  }
  // multiply first: 100 × 4 / 5 is exactly 80, whereas (4 / 5) × 100 need not be
  return (100 * acceptable) / n;
}

/**
 * Verdict of an analyte score: satisfactory when score ≥ passPercent (default 80 %, CLIA 42 CFR
 * 493 Subpart I; blood-group typing uses 100), compared after rounding to 9 decimals.
 *
 * @example classifyRoundScore(80) // => 'satisfactory'
 * @example classifyRoundScore(60) // => 'unsatisfactory'
 * @example classifyRoundScore(80, 100) // => 'unsatisfactory'
 */
export function classifyRoundScore(score: number, passPercent: number = DEFAULT_PASS_PERCENT): RoundVerdict {
  assertFinite('score', score);
  assertFinite('passPercent', passPercent);
  return roundForDecision(score) >= roundForDecision(passPercent) ? 'satisfactory' : 'unsatisfactory';
}

/** Why a round was marked unsuccessful. */
export type UnsuccessfulReason = 'two consecutive' | 'two of three';

/**
 * Analyte score over the samples that could be evaluated: acceptable / evaluated × 100. `null`
 * marks a sample that was not evaluated (e.g. too few participants and no reference value, ISO
 * 13528:2022 §6.1 small-group limits); it counts neither for nor against the laboratory. Returns
 * null when no sample could be evaluated (the event is then skipped in the performance history).
 *
 * @example evaluatedRoundScore([true, null, true, false, true]) // => { score: 75, evaluated: 4, acceptable: 3 }
 * @example evaluatedRoundScore([null, null]) // => null
 */
export function evaluatedRoundScore(flags: readonly (boolean | null)[]): { score: number; evaluated: number; acceptable: number } | null {
  let evaluated = 0;
  let acceptable = 0;
  for (const flag of flags) {
    if (flag === null) continue;
    if (typeof flag !== 'boolean') throw new RangeError(`acceptable flags must be booleans or null, got ${String(flag)}`);
    evaluated++;
    if (flag) acceptable++;
  }
  if (evaluated === 0) return null;
  return { score: (100 * acceptable) / evaluated, evaluated, acceptable };
}

/** One event of {@link performanceHistory}, in the same position as its verdict. */
export interface PerformanceRound {
  /** null: an event that does not count (not enrolled, not published, nothing evaluated) */
  verdict: RoundVerdict | null;
  /** True when this event makes the analyte's participation unsuccessful. */
  unsuccessful: boolean;
  /**
   * 'two consecutive' when the previous event was also unsatisfactory, 'two of three' when only
   * the one before it was; null when the event is not unsuccessful.
   */
  reason: UnsuccessfulReason | null;
}

/**
 * Marks each EQA event of one analyte as unsuccessful or not. CLIA 42 CFR 493.2, "unsuccessful
 * participation": unsatisfactory performance for the same analyte in two consecutive events or in
 * two of three consecutive events. An event is marked **unsuccessful** when it is unsatisfactory
 * and at least one of the two events before it was unsatisfactory; the mark is placed on the event
 * that completes the pattern (the moment a regulator would act).
 *
 * `verdicts` are oldest first, one per event in which the analyte was scheduled (a missed event
 * is 'unsatisfactory', score 0). A `null` verdict is an event that does not count (the lab was not
 * enrolled, the event is not published, or no sample could be evaluated, DOMAIN.md §2): it is
 * skipped, so the events around it are consecutive. Returns one entry per event, in the same order.
 *
 * @example
 * performanceHistory(['satisfactory', 'unsatisfactory', 'satisfactory', 'unsatisfactory'])
 *   .map(r => r.unsuccessful) // => [false, false, false, true] (two of three at event 4)
 */
export function performanceHistory(verdicts: readonly (RoundVerdict | null)[]): PerformanceRound[] {
  // the last two counted verdicts before the current event
  let prev1: RoundVerdict | null = null;
  let prev2: RoundVerdict | null = null;
  return verdicts.map((verdict, i): PerformanceRound => {
    if (verdict === null) return { verdict, unsuccessful: false, reason: null };
    if (verdict !== 'satisfactory' && verdict !== 'unsatisfactory') {
      throw new RangeError(`verdicts[${i}] must be 'satisfactory', 'unsatisfactory' or null, got ${String(verdict)}`);
    }
    let out: PerformanceRound = { verdict, unsuccessful: false, reason: null };
    if (verdict === 'unsatisfactory') {
      if (prev1 === 'unsatisfactory') out = { verdict, unsuccessful: true, reason: 'two consecutive' };
      else if (prev2 === 'unsatisfactory') out = { verdict, unsuccessful: true, reason: 'two of three' };
    }
    prev2 = prev1;
    prev1 = verdict;
    return out;
  });
}

// Westgard rules: the codes, run statuses, scopes and the shapes of runs and verdicts (./westgard.ts
// evaluates them, ./westgard-rules.ts holds one function per rule).

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

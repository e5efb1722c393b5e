// The EQA evaluation as a pure computation over in-memory columns: assigned values per sample ×
// analyte × peer group, a grade for every result, a score per lab × analyte. No database, no clock;
// the statistics come from lib/stats. The service (evaluation.ts) reads and writes around it.
import {
  classifyZ,
  type AllowableSpec,
  type ConcentrationRange,
  type RoundVerdict,
} from '@/lib/stats';
import type { CategoricalKind, CategoricalSettings } from '@/lib/stats';
import type { PeerGrouping, SigmaPtSource, TargetBasis } from '@/db/enums';
import type { AssignedValueRow, SubmissionTuple } from '@/db/queries/eqa-evaluation';

/** Named and stored with every evaluation, so a result can always be traced to the rules that made it. */
export const ALGORITHM_VERSION =
  'labqc-eqa-3 (ISO 13528:2022 C.3.1 Algorithm A to convergence; u(x_pt)=1.25s*/√p, reference u=U/k; z/z′ 9.4–9.5; minimum group size for peer and all-methods groups, else reference value, else not evaluated; WS/T threshold and CLIA greater-of limits; CLIA round score over evaluated samples, a sample without a limit at its assigned value counting for no lab)';

/** Peer-group label of the all-methods group (and of a reference value, which serves everyone). */
export const ALL_METHODS = '*';

/** Key of results without a method (or instrument, where the scheme groups by both): never a peer group. */
export const UNSPECIFIED = '';

/** Why a result was not evaluated, as stored in eqa_result_evaluations.reason. */
export const NOT_EVALUATED_REASONS = ['too_few_results', 'no_limit', 'no_consensus', 'multimodal', 'unknown_category'] as const;
export type NotEvaluatedReason = (typeof NOT_EVALUATED_REASONS)[number];

/** The allowable limits of an analyte in a scheme: concentration ranges, else one spec (null: none). */
export interface EngineLimits {
  ranges: ConcentrationRange[];
  spec: AllowableSpec | null;
}

export interface EngineAnalyte {
  id: number;
  code: string;
  limits: EngineLimits;
  /** passing round score in percent */
  minScore: number;
}

/** A qualitative, ordinal or nominal item of the round (DOMAIN §2), graded by grading-categorical.ts. */
export interface EngineCategoricalItem {
  id: number;
  code: string;
  kind: CategoricalKind;
  /** category codes from the lowest (negative) grade up: grade = index */
  categories: string[];
  /** the grade that means negative (0), or null for scales without one (urine pH, SG) */
  negativeGrade: number | null;
  /** passing round score in percent */
  minScore: number;
}

/** The categorical part of a round: its items, the scheme's settings and the intended results. */
export interface CategoricalEngineInput {
  items: EngineCategoricalItem[];
  settings: CategoricalSettings;
  /** intended result (a grade) by sampleAnalyteKey(sampleId, analyteId) */
  intended: Map<number, number>;
}

/** Target of one sample × categorical item (eqa_category_targets). */
export interface CategoryTargetRow {
  sampleId: number;
  analyteId: number;
  targetGrade: number | null;
  targetCategory: string | null;
  basis: TargetBasis | null;
  n: number;
  agreeing: number;
  reason: string | null;
}

export interface EngineParams {
  sigmaPtSource: SigmaPtSource;
  peerGrouping: PeerGrouping;
  minPeerGroupSize: number;
}

/** Current submissions as columns, sorted by analyte, sample and peer group. */
export interface SubmissionColumns {
  n: number;
  id: Float64Array;
  lab: Int32Array;
  sample: Int32Array;
  analyte: Int32Array;
  value: Float64Array;
  /** index into groupKeys */
  group: Int32Array;
  groupKeys: string[];
}

/** A method or instrument name as a peer-group key: trimmed, inner spaces collapsed, lower case. */
export function normaliseName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The peer-group key of a result: its normalised method, or method and instrument. A blank method
 * (or a blank instrument when the scheme groups by both) is {@link UNSPECIFIED}: such results are
 * graded in the all-methods group, never as a peer group of their own.
 *
 * @example peerGroupKey('method', ' Hexokinase  (HK) ', '') // => 'hexokinase (hk)'
 * @example peerGroupKey('method', '  ', 'AU5800') // => '' (unspecified)
 */
export function peerGroupKey(grouping: PeerGrouping, method: string, instrument: string): string {
  const m = normaliseName(method);
  if (!m) return UNSPECIFIED;
  if (grouping !== 'method_instrument') return m;
  const i = normaliseName(instrument);
  return i ? `${m} | ${i}` : UNSPECIFIED;
}

/**
 * Collect submission tuples (any order) into columns sorted by sample × analyte, then peer group,
 * then lab — the layout evaluateColumns works on.
 */
export function collectSubmissions(rows: readonly SubmissionTuple[], grouping: PeerGrouping): SubmissionColumns {
  const n = rows.length;
  const id = new Float64Array(n);
  const lab = new Int32Array(n);
  const sample = new Int32Array(n);
  const analyte = new Int32Array(n);
  const value = new Float64Array(n);
  const group = new Int32Array(n);
  const groupKeys: string[] = [];
  const keyIndex = new Map<string, number>();
  // the same method text recurs across thousands of labs: normalise each distinct text once
  const rawIndex = new Map<string, number>();
  // group index of every row, then a counting pass per sample × analyte bucket
  const rowGroup = new Int32Array(n);
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const raw = `${r[5]}\u0000${r[6]}`;
    let g = rawIndex.get(raw);
    if (g === undefined) {
      const key = peerGroupKey(grouping, r[5], r[6]);
      g = keyIndex.get(key);
      if (g === undefined) {
        g = groupKeys.length;
        groupKeys.push(key);
        keyIndex.set(key, g);
      }
      rawIndex.set(raw, g);
    }
    rowGroup[i] = g;
    const b = r[2] * 1_000_000 + r[3];
    const list = buckets.get(b);
    if (list) list.push(i);
    else buckets.set(b, [i]);
  }
  let k = 0;
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    const list = buckets.get(b)!;
    list.sort((x, y) => {
      const gx = groupKeys[rowGroup[x]];
      const gy = groupKeys[rowGroup[y]];
      return gx < gy ? -1 : gx > gy ? 1 : rows[x][1] - rows[y][1];
    });
    for (const i of list) {
      const r = rows[i];
      id[k] = r[0];
      lab[k] = r[1];
      sample[k] = r[2];
      analyte[k] = r[3];
      value[k] = r[4];
      group[k] = rowGroup[i];
      k++;
    }
  }
  return { n, id, lab, sample, analyte, value, group, groupKeys };
}

export interface ScoreRow {
  labId: number;
  analyteId: number;
  /** samples counted (evaluated, or evaluable and not submitted) */
  samples: number;
  acceptableCount: number;
  /** samples of the round that could not be evaluated for this lab */
  notEvaluated: number;
  score: number;
  verdict: RoundVerdict;
  notSubmitted: boolean;
  unsuccessful: boolean;
}

export interface EngineInput {
  params: EngineParams;
  sampleIds: number[];
  /** the samples' codes as the round names them (the evaluation's notes speak of `S2`, not of a row id) */
  sampleCodes?: ReadonlyMap<number, string>;
  analytes: EngineAnalyte[];
  /** reference values by `${sampleId}:${analyteId}`; `uncertainty` is the standard uncertainty u = U/k */
  references: Map<string, { value: number; uncertainty: number | null }>;
  submissions: SubmissionColumns;
  /** labs scored for every analyte (enrolled participants); submitters are added */
  participantLabIds: number[];
  /** earlier counted verdicts (published rounds the lab took part in), oldest first, by historyKey(labId, analyteId) */
  history: Map<number, RoundVerdict[]>;
  /** qualitative, ordinal and nominal items (their submissions carry the answer's grade as value) */
  categorical?: CategoricalEngineInput;
  onProgress?: (fraction: number) => void;
}

/** A sample as the evaluation's notes name it: its code in the round, else its id. */
export const sampleName = (input: Pick<EngineInput, 'sampleCodes'>, sampleId: number): string => input.sampleCodes?.get(sampleId) ?? String(sampleId);

/** EngineOutput.results.status codes. */
export const RESULT_GRADED = 0;
export const RESULT_NOT_EVALUATED = 1;
/** the analyte is not graded in this round: nothing is written */
export const RESULT_IGNORED = 2;

export interface EngineOutput {
  assigned: AssignedValueRow[];
  /** per submission (same order as the input columns) */
  results: {
    /** index into `assigned`, -1 when there is no assigned value */
    assignedIndex: Int32Array;
    deviation: Float64Array;
    /** NaN when the assigned value is 0 */
    percentDeviation: Float64Array;
    /** NaN when no limit applies */
    allowed: Float64Array;
    /** NaN when σpt is 0 (no z can be given) */
    z: Float64Array;
    /** 0 = z, 1 = z′, 2 = none */
    scoreType: Uint8Array;
    acceptable: Uint8Array;
    /** RESULT_GRADED, RESULT_NOT_EVALUATED or RESULT_IGNORED */
    status: Uint8Array;
    /** 1 + index into NOT_EVALUATED_REASONS when not evaluated, else 0 */
    reason: Uint8Array;
    /** the group size behind the reason (results of all methods) */
    reasonN: Int32Array;
    /** categorical items: index into `categoryTargets`, else -1 */
    targetIndex: Int32Array;
  };
  /** one per sample × categorical item of the round */
  categoryTargets: CategoryTargetRow[];
  scores: ScoreRow[];
  /** explicit fallbacks taken (Algorithm A impossible, σpt source unavailable, samples not evaluated, …) */
  notes: string[];
}

export const historyKey = (labId: number, analyteId: number) => labId * 100_000 + analyteId;

/** One number per sample × analyte (the submissions come in blocks of one sample × analyte). */
export const sampleAnalyteKey = (sampleId: number, analyteId: number) => sampleId * 1_000_000 + analyteId;

/** Z class codes of EngineOutput.results → the schema's names. */
export function zClass(z: number) {
  return Number.isNaN(z) ? null : classifyZ(z);
}

/** The reason code stored for a result (null when it was evaluated). */
export function reasonCode(code: number): NotEvaluatedReason | null {
  return code > 0 ? NOT_EVALUATED_REASONS[code - 1] : null;
}

// The three steps (assign, grade, score) and evaluateColumns, which runs them: ./grading.ts
export { assignValues, evaluateColumns, gradeResults, scoreParticipants } from './grading';

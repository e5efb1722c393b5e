// The EQA evaluation as a pure computation over in-memory columns: assigned values per sample ×
// analyte × peer group, a grade for every result, a score per lab × analyte. No database, no clock;
// the statistics come from lib/stats. The service (evaluation.ts) reads and writes around it.
import {
  algorithmA,
  allowableError,
  classifyRoundScore,
  classifyZ,
  describe,
  evaluatedRoundScore,
  isUncertaintyNegligible,
  limitAt,
  percentDeviation,
  performanceHistory,
  uncertaintyOfAssignedValue,
  withinAllowableError,
  zPrimeScore,
  zScore,
  type AllowableSpec,
  type ConcentrationRange,
  type RoundVerdict,
} from '@/lib/stats';
import type { PeerGrouping, SigmaPtSource } from '@/db/enums';
import type { AssignedValueRow, SubmissionTuple } from '@/db/queries/eqa-evaluation';

/** Named and stored with every evaluation, so a result can always be traced to the rules that made it. */
export const ALGORITHM_VERSION =
  'labqc-eqa-2 (ISO 13528:2022 C.3.1 Algorithm A to convergence; u(x_pt)=1.25s*/√p, reference u=U/k; z/z′ 9.4–9.5; minimum group size for peer and all-methods groups, else reference value, else not evaluated; WS/T threshold and CLIA greater-of limits; CLIA round score over evaluated samples)';

/** Peer-group label of the all-methods group (and of a reference value, which serves everyone). */
export const ALL_METHODS = '*';

/** Key of results without a method (or instrument, where the scheme groups by both): never a peer group. */
export const UNSPECIFIED = '';

/** Why a result was not evaluated, as stored in eqa_result_evaluations.reason. */
export const NOT_EVALUATED_REASONS = ['too_few_results', 'no_limit'] as const;
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
  analytes: EngineAnalyte[];
  /** reference values by `${sampleId}:${analyteId}`; `uncertainty` is the standard uncertainty u = U/k */
  references: Map<string, { value: number; uncertainty: number | null }>;
  submissions: SubmissionColumns;
  /** labs scored for every analyte (enrolled participants); submitters are added */
  participantLabIds: number[];
  /** earlier counted verdicts (published rounds the lab took part in), oldest first, by historyKey(labId, analyteId) */
  history: Map<number, RoundVerdict[]>;
  onProgress?: (fraction: number) => void;
}

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
  };
  scores: ScoreRow[];
  /** explicit fallbacks taken (Algorithm A impossible, σpt source unavailable, samples not evaluated, …) */
  notes: string[];
}

export const historyKey = (labId: number, analyteId: number) => labId * 100_000 + analyteId;

/** Z class codes of EngineOutput.results → the schema's names. */
export function zClass(z: number) {
  return Number.isNaN(z) ? null : classifyZ(z);
}

/** The reason code stored for a result (null when it was evaluated). */
export function reasonCode(code: number): NotEvaluatedReason | null {
  return code > 0 ? NOT_EVALUATED_REASONS[code - 1] : null;
}

interface Robust {
  mean: number;
  sd: number | null;
  iterations: number | null;
  note?: string;
}

/** Algorithm A, or — when it cannot run (fewer than 3 values, MAD = 0) — the median, said so. */
function robustEstimate(values: number[]): Robust {
  if (values.length >= 3) {
    try {
      const r = algorithmA(values);
      return { mean: r.mean, sd: r.sd, iterations: r.iterations };
    } catch (e) {
      return { mean: describe(values).median, sd: null, iterations: null, note: `median used: ${(e as Error).message}` };
    }
  }
  return { mean: describe(values).median, sd: null, iterations: null, note: `median used: only ${values.length} result(s)` };
}

/** σpt per the scheme: allowed deviation at the assigned value ÷ 2, or the robust SD; 0 when neither is known. */
function sigmaPtFor(assigned: number, robustSd: number | null, spec: AllowableSpec | null, source: SigmaPtSource, notes: string[], where: string): number {
  if (source === 'robust_sd') {
    if (robustSd !== null && robustSd > 0) return robustSd;
    notes.push(`${where}: no robust SD, σpt from the allowable error`);
  }
  return spec ? allowableError(assigned, spec) / 2 : 0;
}

/**
 * Grade every current result of a round and score every participant × analyte.
 *
 * Assigned value of a sample × analyte: the reference value when the round has one (for everyone);
 * else the robust mean of the result's peer group when the group has at least the scheme's minimum
 * size, else of all methods when *that* group reaches the minimum; else the result is **not
 * evaluated** (`too_few_results`): with 1 or 2 participants a lab would be graded against itself.
 * The limit is the analyte's at the assigned value (its concentration range, else its flat limit);
 * without one the result is not evaluated (`no_limit`). A lab's analyte score counts the evaluated
 * samples and the evaluable samples it did not submit; an analyte with nothing evaluable gets no
 * score (the event is skipped in its history).
 */
export function evaluateColumns(input: EngineInput): EngineOutput {
  const { params, submissions: s, references } = input;
  const notes: string[] = [];
  const assigned: AssignedValueRow[] = [];
  const n = s.n;
  const out = {
    assignedIndex: new Int32Array(n).fill(-1),
    deviation: new Float64Array(n).fill(NaN),
    percentDeviation: new Float64Array(n).fill(NaN),
    allowed: new Float64Array(n).fill(NaN),
    z: new Float64Array(n).fill(NaN),
    scoreType: new Uint8Array(n).fill(2),
    acceptable: new Uint8Array(n),
    status: new Uint8Array(n).fill(RESULT_IGNORED),
    reason: new Uint8Array(n),
    reasonN: new Int32Array(n),
  };
  const analyteById = new Map(input.analytes.map((a) => [a.id, a]));
  const analyteIndex = new Map(input.analytes.map((a, i) => [a.id, i]));
  const A = input.analytes.length;
  const sampleSet = new Set(input.sampleIds);
  const minSize = params.minPeerGroupSize;

  const labIndex = new Map<number, number>();
  const labIds: number[] = [];
  const addLab = (id: number) => {
    if (!labIndex.has(id)) {
      labIndex.set(id, labIds.length);
      labIds.push(id);
    }
  };
  input.participantLabIds.forEach(addLab);
  for (let i = 0; i < n; i++) if (analyteById.has(s.analyte[i])) addLab(s.lab[i]);
  const submitted = new Uint16Array(labIds.length * A);
  const acceptableCount = new Uint16Array(labIds.length * A);
  /** submitted results of evaluable samples that still could not be evaluated (no limit) */
  const skippedInEvaluable = new Uint16Array(labIds.length * A);
  /** evaluable samples per analyte: a reference value, or enough results of all methods */
  const evaluableSamples = new Uint16Array(A);
  const evaluableSeen = new Set<number>();

  const notEvaluated = (i: number, reason: NotEvaluatedReason, groupN: number) => {
    out.status[i] = RESULT_NOT_EVALUATED;
    out.reason[i] = NOT_EVALUATED_REASONS.indexOf(reason) + 1;
    out.reasonN[i] = groupN;
  };

  const grade = (i: number, ai: number, analyte: EngineAnalyte) => {
    const row = assigned[ai];
    const x = s.value[i];
    const X = row.assignedValue;
    out.assignedIndex[i] = ai;
    out.deviation[i] = x - X;
    out.percentDeviation[i] = X === 0 ? NaN : percentDeviation(x, X);
    if (row.sigmaPt > 0) {
      const prime = !row.uNegligible && row.uAssigned !== null;
      out.z[i] = prime ? zPrimeScore(x, X, row.sigmaPt, row.uAssigned!) : zScore(x, X, row.sigmaPt);
      out.scoreType[i] = prime ? 1 : 0;
    }
    const spec = limitAt(X, analyte.limits.ranges, analyte.limits.spec);
    if (!spec) {
      notEvaluated(i, 'no_limit', row.n);
      return;
    }
    out.allowed[i] = allowableError(X, spec);
    out.acceptable[i] = withinAllowableError(x, X, spec) ? 1 : 0;
    out.status[i] = RESULT_GRADED;
  };

  const pushAssigned = (row: AssignedValueRow) => {
    assigned.push(row);
    return assigned.length - 1;
  };

  const negligible = (u: number | null, sigmaPt: number) => u === null || sigmaPt <= 0 || isUncertaintyNegligible(u, sigmaPt);
  const specAt = (analyte: EngineAnalyte, x: number) => limitAt(x, analyte.limits.ranges, analyte.limits.spec);

  const markEvaluable = (sampleId: number, analyteId: number) => {
    const key = sampleId * 1_000_000 + analyteId;
    if (evaluableSeen.has(key) || !sampleSet.has(sampleId)) return;
    const aIdx = analyteIndex.get(analyteId);
    if (aIdx === undefined) return;
    evaluableSeen.add(key);
    evaluableSamples[aIdx]++;
  };
  // a reference value makes a sample evaluable even when nobody submitted it
  for (const key of references.keys()) {
    const [sampleId, analyteId] = key.split(':').map(Number);
    markEvaluable(sampleId, analyteId);
  }

  let start = 0;
  let lastProgress = 0;
  while (start < n) {
    const analyteId = s.analyte[start];
    const sampleId = s.sample[start];
    let end = start;
    while (end < n && s.analyte[end] === analyteId && s.sample[end] === sampleId) end++;
    const analyte = analyteById.get(analyteId);
    if (analyte && sampleSet.has(sampleId)) {
      const where = `${analyte.code} sample ${sampleId}`;
      const ref = references.get(`${sampleId}:${analyteId}`);
      const allN = end - start;
      if (!ref && allN >= minSize) markEvaluable(sampleId, analyteId);
      let allIndex = -1;
      const allGroup = () => {
        if (allIndex >= 0) return allIndex;
        const values = Array.from(s.value.subarray(start, end));
        if (ref) {
          const r = values.length >= 3 ? robustEstimate(values) : null;
          const sd = r?.sd ?? null;
          const sigmaPt = sigmaPtFor(ref.value, sd, specAt(analyte, ref.value), params.sigmaPtSource, notes, where);
          const u = ref.uncertainty ?? 0;
          allIndex = pushAssigned({
            sampleId,
            analyteId,
            peerGroup: ALL_METHODS,
            source: 'reference',
            n: values.length,
            assignedValue: ref.value,
            robustSd: sd,
            sigmaPt,
            uAssigned: u,
            uNegligible: negligible(u, sigmaPt),
            iterations: r?.iterations ?? null,
          });
        } else {
          const r = robustEstimate(values);
          if (r.note) notes.push(`${where} (all methods): ${r.note}`);
          const sigmaPt = sigmaPtFor(r.mean, r.sd, specAt(analyte, r.mean), params.sigmaPtSource, notes, where);
          const u = r.sd !== null ? uncertaintyOfAssignedValue(r.sd, values.length) : null;
          allIndex = pushAssigned({
            sampleId,
            analyteId,
            peerGroup: ALL_METHODS,
            source: 'all_robust_mean',
            n: values.length,
            assignedValue: r.mean,
            robustSd: r.sd,
            sigmaPt,
            uAssigned: u,
            uNegligible: negligible(u, sigmaPt),
            iterations: r.iterations,
          });
        }
        return allIndex;
      };

      if (ref) {
        const ai = allGroup();
        for (let i = start; i < end; i++) grade(i, ai, analyte);
      } else {
        let gs = start;
        while (gs < end) {
          const g = s.group[gs];
          let ge = gs;
          while (ge < end && s.group[ge] === g) ge++;
          let ai = -1;
          if (s.groupKeys[g] !== UNSPECIFIED && ge - gs >= minSize) {
            const values = Array.from(s.value.subarray(gs, ge));
            const r = robustEstimate(values);
            if (r.note) notes.push(`${where} (${s.groupKeys[g]}): ${r.note}`);
            const sigmaPt = sigmaPtFor(r.mean, r.sd, specAt(analyte, r.mean), params.sigmaPtSource, notes, where);
            const u = r.sd !== null ? uncertaintyOfAssignedValue(r.sd, values.length) : null;
            ai = pushAssigned({
              sampleId,
              analyteId,
              peerGroup: s.groupKeys[g],
              source: 'peer_robust_mean',
              n: values.length,
              assignedValue: r.mean,
              robustSd: r.sd,
              sigmaPt,
              uAssigned: u,
              uNegligible: negligible(u, sigmaPt),
              iterations: r.iterations,
            });
          } else if (allN >= minSize) {
            ai = allGroup();
          }
          if (ai >= 0) for (let i = gs; i < ge; i++) grade(i, ai, analyte);
          else for (let i = gs; i < ge; i++) notEvaluated(i, 'too_few_results', allN);
          gs = ge;
        }
        if (allN < minSize) notes.push(`${where}: not evaluated, ${allN} result(s) of all methods, below the minimum of ${minSize}, and no reference value`);
      }
      const aIdx = analyteIndex.get(analyteId)!;
      const evaluable = evaluableSeen.has(sampleId * 1_000_000 + analyteId);
      for (let i = start; i < end; i++) {
        const k = labIndex.get(s.lab[i])! * A + aIdx;
        submitted[k]++;
        if (out.status[i] === RESULT_GRADED) {
          if (out.acceptable[i]) acceptableCount[k]++;
        } else if (evaluable) {
          skippedInEvaluable[k]++;
        }
      }
    }
    start = end;
    if (input.onProgress && start / n - lastProgress >= 0.05) {
      lastProgress = start / n;
      input.onProgress(lastProgress);
    }
  }

  const S = input.sampleIds.length;
  const scores: ScoreRow[] = [];
  const flags: (boolean | null)[] = new Array(S);
  for (let li = 0; li < labIds.length; li++) {
    const labId = labIds[li];
    for (let aIdx = 0; aIdx < A; aIdx++) {
      const a = input.analytes[aIdx];
      const k = li * A + aIdx;
      const acc = acceptableCount[k];
      // counted samples: every evaluable sample (not submitted = not acceptable, CLIA), less the lab's
      // submitted results that could still not be evaluated
      const counted = evaluableSamples[aIdx] - skippedInEvaluable[k];
      for (let j = 0; j < S; j++) flags[j] = j < acc ? true : j < counted ? false : null;
      const scored = evaluatedRoundScore(flags);
      if (!scored) continue; // nothing evaluable: the event does not count for or against the lab
      const verdict = classifyRoundScore(scored.score, a.minScore);
      const previous = input.history.get(historyKey(labId, a.id)) ?? [];
      const history = performanceHistory([...previous, verdict]);
      scores.push({
        labId,
        analyteId: a.id,
        samples: scored.evaluated,
        acceptableCount: acc,
        notEvaluated: S - scored.evaluated,
        score: scored.score,
        verdict,
        notSubmitted: submitted[k] === 0,
        unsuccessful: history[history.length - 1].unsuccessful,
      });
    }
  }
  return { assigned, results: out, scores, notes };
}

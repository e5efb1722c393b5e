// The EQA evaluation as a pure computation over in-memory columns: assigned values per sample ×
// analyte × peer group, a grade for every result, a score per lab × analyte. No database, no clock;
// the statistics come from lib/stats. The service (evaluation.ts) reads and writes around it.
import {
  algorithmA,
  allowableError,
  classifyRoundScore,
  classifyZ,
  describe,
  isUncertaintyNegligible,
  percentDeviation,
  performanceHistory,
  roundScore,
  uncertaintyOfAssignedValue,
  withinAllowableError,
  zPrimeScore,
  zScore,
  type AllowableSpec,
  type RoundVerdict,
} from '@/lib/stats';
import type { PeerGrouping, SigmaPtSource } from '@/db/enums';
import type { AssignedValueRow, SubmissionTuple } from '@/db/queries/eqa-evaluation';

/** Named and stored with every evaluation, so a result can always be traced to the rules that made it. */
export const ALGORITHM_VERSION = 'labqc-eqa-1 (ISO 13528:2022 C.3.1 Algorithm A to convergence; u(x_pt)=1.25s*/√p; z/z′ 9.4–9.5; CLIA round score)';

/** Peer-group label of the all-methods group (and of a reference value, which serves everyone). */
export const ALL_METHODS = '*';

export interface EngineAnalyte {
  id: number;
  code: string;
  spec: AllowableSpec;
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

/** The peer-group key of a result: its method, or method and instrument. */
export function peerGroupKey(grouping: PeerGrouping, method: string, instrument: string): string {
  const m = method.trim() || '-';
  return grouping === 'method_instrument' ? `${m} | ${instrument.trim() || '-'}` : m;
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
  // group index of every row, then a counting pass per sample × analyte bucket
  const rowGroup = new Int32Array(n);
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    const key = peerGroupKey(grouping, r[5], r[6]);
    let g = keyIndex.get(key);
    if (g === undefined) {
      g = groupKeys.length;
      groupKeys.push(key);
      keyIndex.set(key, g);
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
  samples: number;
  acceptableCount: number;
  score: number;
  verdict: RoundVerdict;
  notSubmitted: boolean;
  unsuccessful: boolean;
}

export interface EngineInput {
  params: EngineParams;
  sampleIds: number[];
  analytes: EngineAnalyte[];
  /** reference values by `${sampleId}:${analyteId}` */
  references: Map<string, { value: number; uncertainty: number | null }>;
  submissions: SubmissionColumns;
  /** labs scored for every analyte (enrolled participants); submitters are added */
  participantLabIds: number[];
  /** earlier verdicts, oldest first, by historyKey(labId, analyteId) */
  history: Map<number, RoundVerdict[]>;
  onProgress?: (fraction: number) => void;
}

export interface EngineOutput {
  assigned: AssignedValueRow[];
  /** per submission (same order as the input columns) */
  results: {
    assignedIndex: Int32Array;
    deviation: Float64Array;
    /** NaN when the assigned value is 0 */
    percentDeviation: Float64Array;
    allowed: Float64Array;
    /** NaN when σpt is 0 (no z can be given) */
    z: Float64Array;
    /** 0 = z, 1 = z′, 2 = none */
    scoreType: Uint8Array;
    acceptable: Uint8Array;
  };
  scores: ScoreRow[];
  /** explicit fallbacks taken (Algorithm A impossible, σpt source unavailable, …) */
  notes: string[];
}

export const historyKey = (labId: number, analyteId: number) => labId * 100_000 + analyteId;

/** Z class codes of EngineOutput.results → the schema's names. */
export function zClass(z: number) {
  return Number.isNaN(z) ? null : classifyZ(z);
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

/** σpt per the scheme: allowed deviation at the assigned value ÷ 2, or the robust SD. */
function sigmaPtFor(assigned: number, robustSd: number | null, spec: AllowableSpec, source: SigmaPtSource, notes: string[], where: string): number {
  if (source === 'robust_sd') {
    if (robustSd !== null && robustSd > 0) return robustSd;
    notes.push(`${where}: no robust SD, σpt from the allowable error`);
  }
  return allowableError(assigned, spec) / 2;
}

export function evaluateColumns(input: EngineInput): EngineOutput {
  const { params, submissions: s, references } = input;
  const notes: string[] = [];
  const assigned: AssignedValueRow[] = [];
  const n = s.n;
  const out = {
    assignedIndex: new Int32Array(n),
    deviation: new Float64Array(n),
    percentDeviation: new Float64Array(n),
    allowed: new Float64Array(n),
    z: new Float64Array(n),
    scoreType: new Uint8Array(n),
    acceptable: new Uint8Array(n),
  };
  const analyteById = new Map(input.analytes.map((a) => [a.id, a]));
  const analyteIndex = new Map(input.analytes.map((a, i) => [a.id, i]));
  const A = input.analytes.length;
  const S = input.sampleIds.length;

  const labIndex = new Map<number, number>();
  const labIds: number[] = [];
  const addLab = (id: number) => {
    if (!labIndex.has(id)) {
      labIndex.set(id, labIds.length);
      labIds.push(id);
    }
  };
  input.participantLabIds.forEach(addLab);
  for (let i = 0; i < n; i++) addLab(s.lab[i]);
  const submitted = new Uint16Array(labIds.length * A);
  const acceptableCount = new Uint16Array(labIds.length * A);

  const grade = (i: number, ai: number, spec: AllowableSpec) => {
    const row = assigned[ai];
    const x = s.value[i];
    const X = row.assignedValue;
    out.assignedIndex[i] = ai;
    out.deviation[i] = x - X;
    out.percentDeviation[i] = X === 0 ? NaN : percentDeviation(x, X);
    out.allowed[i] = allowableError(X, spec);
    if (row.sigmaPt > 0) {
      const prime = !row.uNegligible && row.uAssigned !== null;
      out.z[i] = prime ? zPrimeScore(x, X, row.sigmaPt, row.uAssigned!) : zScore(x, X, row.sigmaPt);
      out.scoreType[i] = prime ? 1 : 0;
    } else {
      out.z[i] = NaN;
      out.scoreType[i] = 2;
    }
    out.acceptable[i] = withinAllowableError(x, X, spec) ? 1 : 0;
  };

  const pushAssigned = (row: AssignedValueRow) => {
    assigned.push(row);
    return assigned.length - 1;
  };

  const negligible = (u: number | null, sigmaPt: number) => u === null || sigmaPt <= 0 || isUncertaintyNegligible(u, sigmaPt);

  let start = 0;
  let lastProgress = 0;
  while (start < n) {
    const analyteId = s.analyte[start];
    const sampleId = s.sample[start];
    let end = start;
    while (end < n && s.analyte[end] === analyteId && s.sample[end] === sampleId) end++;
    const analyte = analyteById.get(analyteId);
    if (analyte) {
      const where = `${analyte.code} sample ${sampleId}`;
      const spec = analyte.spec;
      const ref = references.get(`${sampleId}:${analyteId}`);
      let allIndex = -1;
      const allGroup = () => {
        if (allIndex >= 0) return allIndex;
        const values = Array.from(s.value.subarray(start, end));
        if (ref) {
          const r = values.length >= 3 ? robustEstimate(values) : null;
          const sd = r?.sd ?? null;
          const sigmaPt = sigmaPtFor(ref.value, sd, spec, params.sigmaPtSource, notes, where);
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
          const sigmaPt = sigmaPtFor(r.mean, r.sd, spec, params.sigmaPtSource, notes, where);
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
        for (let i = start; i < end; i++) grade(i, ai, spec);
      } else {
        let gs = start;
        while (gs < end) {
          const g = s.group[gs];
          let ge = gs;
          while (ge < end && s.group[ge] === g) ge++;
          let ai: number;
          if (ge - gs >= params.minPeerGroupSize) {
            const values = Array.from(s.value.subarray(gs, ge));
            const r = robustEstimate(values);
            if (r.note) notes.push(`${where} (${s.groupKeys[g]}): ${r.note}`);
            const sigmaPt = sigmaPtFor(r.mean, r.sd, spec, params.sigmaPtSource, notes, where);
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
          } else {
            ai = allGroup();
          }
          for (let i = gs; i < ge; i++) grade(i, ai, spec);
          gs = ge;
        }
      }
      const aIdx = analyteIndex.get(analyteId)!;
      for (let i = start; i < end; i++) {
        const k = labIndex.get(s.lab[i])! * A + aIdx;
        submitted[k]++;
        if (out.acceptable[i]) acceptableCount[k]++;
      }
    } else {
      for (let i = start; i < end; i++) {
        out.assignedIndex[i] = -1;
      }
    }
    start = end;
    if (input.onProgress && start / n - lastProgress >= 0.05) {
      lastProgress = start / n;
      input.onProgress(lastProgress);
    }
  }

  const scores: ScoreRow[] = [];
  for (let li = 0; li < labIds.length; li++) {
    const labId = labIds[li];
    for (let aIdx = 0; aIdx < A; aIdx++) {
      const a = input.analytes[aIdx];
      const k = li * A + aIdx;
      const acc = acceptableCount[k];
      const flags: boolean[] = new Array(S).fill(false);
      for (let j = 0; j < acc && j < S; j++) flags[j] = true;
      const score = roundScore(flags);
      const verdict = classifyRoundScore(score, a.minScore);
      const previous = input.history.get(historyKey(labId, a.id)) ?? [];
      const history = performanceHistory([...previous, verdict]);
      scores.push({
        labId,
        analyteId: a.id,
        samples: S,
        acceptableCount: acc,
        score,
        verdict,
        notSubmitted: submitted[k] === 0,
        unsuccessful: history[history.length - 1].unsuccessful,
      });
    }
  }
  return { assigned, results: out, scores, notes };
}

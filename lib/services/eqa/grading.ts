// The three steps of an EQA evaluation over the submission columns (engine.ts), each pure:
//   1. assignValues: an assigned value and σpt per sample × analyte × peer group (reference value,
//      else the robust mean of the peer group, else of all methods), or "not evaluated";
//   2. gradeResults: deviation, z or z′, allowed error and acceptability of every result with an
//      assigned value (ISO 13528:2022 9.4–9.5; the analyte's limit at the assigned value);
//   3. scoreParticipants: per lab × analyte, the CLIA round score over evaluated samples, its verdict
//      and the performance history (not submitted counts as not acceptable).
// evaluateColumns runs them in order; the results are the same columns whatever the steps' order of
// work inside.
import {
  algorithmA,
  allowableError,
  classifyRoundScore,
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
} from '@/lib/stats';
import type { SigmaPtSource } from '@/db/enums';
import type { AssignedValueRow } from '@/db/queries/eqa-evaluation';
import {
  ALL_METHODS,
  NOT_EVALUATED_REASONS,
  RESULT_GRADED,
  RESULT_IGNORED,
  RESULT_NOT_EVALUATED,
  UNSPECIFIED,
  historyKey,
  sampleAnalyteKey,
  sampleName,
  type EngineAnalyte,
  type EngineInput,
  type EngineOutput,
  type NotEvaluatedReason,
  type ScoreRow,
} from './engine';
import { gradeCategoricalItems } from './grading-categorical';

type ResultColumns = EngineOutput['results'];

interface RobustEstimate {
  mean: number;
  sd: number | null;
  iterations: number | null;
  note?: string;
}

/** Algorithm A, or — when it cannot run (fewer than 3 values, MAD = 0) — the median, said so. */
function robustEstimate(values: number[]): RobustEstimate {
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

const isNegligible = (u: number | null, sigmaPt: number) => u === null || sigmaPt <= 0 || isUncertaintyNegligible(u, sigmaPt);
const specAt = (analyte: EngineAnalyte, x: number) => limitAt(x, analyte.limits.ranges, analyte.limits.spec);

/** Empty result columns: nothing assigned, every result ignored until a step says otherwise. */
export function emptyResults(n: number): ResultColumns {
  return {
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
    targetIndex: new Int32Array(n).fill(-1),
  };
}

export function markNotEvaluated(results: ResultColumns, i: number, reason: NotEvaluatedReason, groupSize: number) {
  results.status[i] = RESULT_NOT_EVALUATED;
  results.reason[i] = NOT_EVALUATED_REASONS.indexOf(reason) + 1;
  results.reasonN[i] = groupSize;
}

export interface Assignment {
  assigned: AssignedValueRow[];
  /** sample × analyte keys that can be evaluated: a reference value, or enough results of all methods */
  evaluable: Set<number>;
}

/**
 * Step 1. Assigned value of a sample × analyte: the reference value when the round has one (for
 * everyone); else the robust mean of the result's peer group when the group has at least the
 * scheme's minimum size, else of all methods when *that* group reaches the minimum; else the result
 * is **not evaluated** (`too_few_results`): with 1 or 2 participants a lab would be graded against
 * itself. Sets `assignedIndex` of every result that gets one.
 */
export function assignValues(input: EngineInput, results: ResultColumns, notes: string[]): Assignment {
  const { params, submissions: s, references } = input;
  const n = s.n;
  const analyteById = new Map(input.analytes.map((a) => [a.id, a]));
  const sampleSet = new Set(input.sampleIds);
  const minSize = params.minPeerGroupSize;
  const assigned: AssignedValueRow[] = [];
  const evaluable = new Set<number>();
  const markEvaluable = (sampleId: number, analyteId: number) => {
    if (sampleSet.has(sampleId) && analyteById.has(analyteId)) evaluable.add(sampleAnalyteKey(sampleId, analyteId));
  };
  // a reference value makes a sample evaluable even when nobody submitted it
  for (const key of references.keys()) {
    const [sampleId, analyteId] = key.split(':').map(Number);
    markEvaluable(sampleId, analyteId);
  }
  const assign = (rows: number, from: number, to: number, row: Omit<AssignedValueRow, 'n'>) => {
    assigned.push({ ...row, n: rows });
    const index = assigned.length - 1;
    for (let i = from; i < to; i++) results.assignedIndex[i] = index;
    return index;
  };

  let blockStart = 0;
  let lastProgress = 0;
  while (blockStart < n) {
    const analyteId = s.analyte[blockStart];
    const sampleId = s.sample[blockStart];
    let blockEnd = blockStart;
    while (blockEnd < n && s.analyte[blockEnd] === analyteId && s.sample[blockEnd] === sampleId) blockEnd++;
    const analyte = analyteById.get(analyteId);
    if (analyte && sampleSet.has(sampleId)) {
      const where = `${analyte.code} sample ${sampleName(input, sampleId)}`;
      const reference = references.get(`${sampleId}:${analyteId}`);
      const allMethodsN = blockEnd - blockStart;
      if (!reference && allMethodsN >= minSize) markEvaluable(sampleId, analyteId);
      // the all-methods assigned value, computed once per block when a group needs it
      let allMethodsIndex = -1;
      const allMethodsValue = () => {
        if (allMethodsIndex >= 0) return allMethodsIndex;
        const values = Array.from(s.value.subarray(blockStart, blockEnd));
        if (reference) {
          // s* of a group below the minimum size is no σpt (a z against it cannot exceed (n−1)/√n:
          // DOMAIN §3 small groups): it comes from the allowable error then, and the notes say so
          const robust = values.length >= Math.max(3, minSize) ? robustEstimate(values) : null;
          if (!robust && params.sigmaPtSource === 'robust_sd') notes.push(`${where}: ${values.length} result(s), below the minimum of ${minSize} for a robust SD`);
          const sd = robust?.sd ?? null;
          const sigmaPt = sigmaPtFor(reference.value, sd, specAt(analyte, reference.value), params.sigmaPtSource, notes, where);
          const u = reference.uncertainty ?? 0;
          allMethodsIndex = assign(values.length, 0, 0, {
            sampleId, analyteId, peerGroup: ALL_METHODS, source: 'reference', assignedValue: reference.value, robustSd: sd, sigmaPt, uAssigned: u, uNegligible: isNegligible(u, sigmaPt), iterations: robust?.iterations ?? null,
          });
        } else {
          const robust = robustEstimate(values);
          if (robust.note) notes.push(`${where} (all methods): ${robust.note}`);
          const sigmaPt = sigmaPtFor(robust.mean, robust.sd, specAt(analyte, robust.mean), params.sigmaPtSource, notes, where);
          const u = robust.sd !== null ? uncertaintyOfAssignedValue(robust.sd, values.length) : null;
          allMethodsIndex = assign(values.length, 0, 0, {
            sampleId, analyteId, peerGroup: ALL_METHODS, source: robust.sd === null ? 'all_median' : 'all_robust_mean', assignedValue: robust.mean, robustSd: robust.sd, sigmaPt, uAssigned: u, uNegligible: isNegligible(u, sigmaPt), iterations: robust.iterations,
          });
        }
        return allMethodsIndex;
      };

      if (reference) {
        const index = allMethodsValue();
        for (let i = blockStart; i < blockEnd; i++) results.assignedIndex[i] = index;
      } else {
        let groupStart = blockStart;
        while (groupStart < blockEnd) {
          const group = s.group[groupStart];
          let groupEnd = groupStart;
          while (groupEnd < blockEnd && s.group[groupEnd] === group) groupEnd++;
          const peerGroup = s.groupKeys[group];
          if (peerGroup !== UNSPECIFIED && groupEnd - groupStart >= minSize) {
            const values = Array.from(s.value.subarray(groupStart, groupEnd));
            const robust = robustEstimate(values);
            if (robust.note) notes.push(`${where} (${peerGroup}): ${robust.note}`);
            const sigmaPt = sigmaPtFor(robust.mean, robust.sd, specAt(analyte, robust.mean), params.sigmaPtSource, notes, where);
            const u = robust.sd !== null ? uncertaintyOfAssignedValue(robust.sd, values.length) : null;
            assign(values.length, groupStart, groupEnd, {
              sampleId, analyteId, peerGroup, source: robust.sd === null ? 'peer_median' : 'peer_robust_mean', assignedValue: robust.mean, robustSd: robust.sd, sigmaPt, uAssigned: u, uNegligible: isNegligible(u, sigmaPt), iterations: robust.iterations,
            });
          } else if (allMethodsN >= minSize) {
            const index = allMethodsValue();
            for (let i = groupStart; i < groupEnd; i++) results.assignedIndex[i] = index;
          } else {
            for (let i = groupStart; i < groupEnd; i++) markNotEvaluated(results, i, 'too_few_results', allMethodsN);
          }
          groupStart = groupEnd;
        }
        if (allMethodsN < minSize) notes.push(`${where}: not evaluated, ${allMethodsN} result(s) of all methods, below the minimum of ${minSize}, and no reference value`);
      }
    }
    blockStart = blockEnd;
    if (input.onProgress && blockStart / n - lastProgress >= 0.05) {
      lastProgress = blockStart / n;
      input.onProgress(lastProgress);
    }
  }
  return { assigned, evaluable };
}

/**
 * Step 2. Grade every result with an assigned value: deviation and percent deviation from it, z
 * (or z′ when u(x_pt) is not negligible, ISO 13528:2022 9.5) when σpt > 0, and — with the analyte's
 * limit at the assigned value — the allowed error and acceptability; without a limit the result is
 * not evaluated (`no_limit`).
 */
export function gradeResults(input: EngineInput, assigned: readonly AssignedValueRow[], results: ResultColumns): void {
  const s = input.submissions;
  const analyteById = new Map(input.analytes.map((a) => [a.id, a]));
  for (let i = 0; i < s.n; i++) {
    const index = results.assignedIndex[i];
    if (index < 0) continue;
    const row = assigned[index];
    const analyte = analyteById.get(s.analyte[i])!;
    const value = s.value[i];
    const assignedValue = row.assignedValue;
    results.deviation[i] = value - assignedValue;
    const percent = assignedValue === 0 ? NaN : percentDeviation(value, assignedValue);
    // beyond the double range (a typed 1e307 against 4) no percentage, as at a target of 0: an
    // infinite one would make every later sum of the lab's deviations (its sigma bias) unreadable
    results.percentDeviation[i] = Number.isFinite(percent) ? percent : NaN;
    if (row.sigmaPt > 0) {
      const prime = !row.uNegligible && row.uAssigned !== null;
      results.z[i] = prime ? zPrimeScore(value, assignedValue, row.sigmaPt, row.uAssigned!) : zScore(value, assignedValue, row.sigmaPt);
      results.scoreType[i] = prime ? 1 : 0;
    }
    const spec = specAt(analyte, assignedValue);
    if (!spec) {
      markNotEvaluated(results, i, 'no_limit', row.n);
      continue;
    }
    results.allowed[i] = allowableError(assignedValue, spec);
    results.acceptable[i] = withinAllowableError(value, assignedValue, spec) ? 1 : 0;
    results.status[i] = RESULT_GRADED;
  }
}

/**
 * Between steps 2 and 3. A sample × analyte with an assigned value but no allowable limit at it (a
 * limit given for some ranges only) grades nobody: it is no longer evaluable, so it does not count
 * against a lab that did not submit it either (DOMAIN.md §2: an event that could not be evaluated is
 * skipped, not counted as U). It stays evaluable when a reference value has a limit, or when any
 * result of it was graded (a peer group whose assigned value has a limit).
 */
export function keepGradable(input: EngineInput, results: ResultColumns, evaluable: Set<number>): void {
  if (!evaluable.size) return;
  const s = input.submissions;
  const analyteById = new Map(input.analytes.map((a) => [a.id, a]));
  const graded = new Set<number>();
  for (let i = 0; i < s.n; i++) if (results.status[i] === RESULT_GRADED) graded.add(sampleAnalyteKey(s.sample[i], s.analyte[i]));
  for (const key of evaluable) {
    if (graded.has(key)) continue;
    const sampleId = Math.floor(key / 1_000_000);
    const analyteId = key % 1_000_000;
    const reference = input.references.get(`${sampleId}:${analyteId}`);
    const analyte = analyteById.get(analyteId);
    if (!reference || !analyte || !specAt(analyte, reference.value)) evaluable.delete(key);
  }
}

/**
 * Step 3. Score every participant (enrolled labs and submitters) × analyte. Counted samples: every
 * evaluable sample (not submitted = not acceptable, CLIA), less the lab's submitted results that
 * could still not be evaluated. An analyte with nothing evaluable gets no score (the event is
 * skipped in the lab's history).
 */
export function scoreParticipants(input: EngineInput, results: ResultColumns, evaluable: ReadonlySet<number>): ScoreRow[] {
  const s = input.submissions;
  // quantitative and categorical items are scored alike (CLIA round score, their own pass mark)
  const scoredItems: { id: number; minScore: number }[] = [...input.analytes, ...(input.categorical?.items ?? [])];
  const analyteIndex = new Map(scoredItems.map((a, i) => [a.id, i]));
  const sampleSet = new Set(input.sampleIds);
  const analyteCount = scoredItems.length;
  const labIndex = new Map<number, number>();
  const labIds: number[] = [];
  const addLab = (id: number) => {
    if (!labIndex.has(id)) {
      labIndex.set(id, labIds.length);
      labIds.push(id);
    }
  };
  input.participantLabIds.forEach(addLab);
  for (let i = 0; i < s.n; i++) if (analyteIndex.has(s.analyte[i])) addLab(s.lab[i]);

  const evaluableSamples = new Uint16Array(analyteCount);
  for (const key of evaluable) evaluableSamples[analyteIndex.get(key % 1_000_000)!]++;
  const submitted = new Uint16Array(labIds.length * analyteCount);
  const acceptableCount = new Uint16Array(labIds.length * analyteCount);
  /** submitted results of evaluable samples that still could not be evaluated (no limit) */
  const skippedInEvaluable = new Uint16Array(labIds.length * analyteCount);
  for (let i = 0; i < s.n; i++) {
    const a = analyteIndex.get(s.analyte[i]);
    if (a === undefined || !sampleSet.has(s.sample[i])) continue;
    const k = labIndex.get(s.lab[i])! * analyteCount + a;
    submitted[k]++;
    if (results.status[i] === RESULT_GRADED) {
      if (results.acceptable[i]) acceptableCount[k]++;
    } else if (evaluable.has(sampleAnalyteKey(s.sample[i], s.analyte[i]))) {
      skippedInEvaluable[k]++;
    }
  }

  const sampleCount = input.sampleIds.length;
  const scores: ScoreRow[] = [];
  const flags: (boolean | null)[] = new Array(sampleCount);
  for (let li = 0; li < labIds.length; li++) {
    const labId = labIds[li];
    for (let a = 0; a < analyteCount; a++) {
      const analyte = scoredItems[a];
      const k = li * analyteCount + a;
      const acceptable = acceptableCount[k];
      const counted = evaluableSamples[a] - skippedInEvaluable[k];
      for (let j = 0; j < sampleCount; j++) flags[j] = j < acceptable ? true : j < counted ? false : null;
      const scored = evaluatedRoundScore(flags);
      if (!scored) continue; // nothing evaluable: the event does not count for or against the lab
      const verdict = classifyRoundScore(scored.score, analyte.minScore);
      const previous = input.history.get(historyKey(labId, analyte.id)) ?? [];
      const history = performanceHistory([...previous, verdict]);
      scores.push({
        labId,
        analyteId: analyte.id,
        samples: scored.evaluated,
        acceptableCount: acceptable,
        notEvaluated: sampleCount - scored.evaluated,
        score: scored.score,
        verdict,
        notSubmitted: submitted[k] === 0,
        unsuccessful: history[history.length - 1].unsuccessful,
      });
    }
  }
  return scores;
}

/**
 * Grade every current result of a round and score every participant × analyte: the three steps
 * above in order. Pure.
 */
export function evaluateColumns(input: EngineInput): EngineOutput {
  const notes: string[] = [];
  const results = emptyResults(input.submissions.n);
  const { assigned, evaluable } = assignValues(input, results, notes);
  gradeResults(input, assigned, results);
  keepGradable(input, results, evaluable);
  const categoryTargets = gradeCategoricalItems(input, results, evaluable, notes);
  const scores = scoreParticipants(input, results, evaluable);
  return { assigned, results, scores, notes, categoryTargets };
}

// The rows of one EQA evaluation: assigned values, one graded (or not evaluated) row per current
// submission, one score per lab × analyte, each lab's count of z per bar of the distribution, written through the one bulk writer (db/bulk.ts) in the
// caller's transaction. The engine's output is columnar (typed arrays per field); this is where a
// column position becomes a named `$inferInsert` field.
import type { DB } from '@/db/client';
import { bulkInsertRows, bulkWriter } from '@/db/bulk';
import { eqaAnalyteScores, eqaAssignedValues, eqaCategoryTargets, eqaResultEvaluations, eqaZBins } from '@/db/schema';
import { zBin } from '@/lib/stats';
import { checkGradedParents, letBulkWritesRun, lockEvaluationRow } from '@/db/queries/eqa-evaluation';
import { RESULT_GRADED, RESULT_IGNORED, reasonCode, zClass, type EngineOutput, type SubmissionColumns } from './engine';

/** Rows per multi-row INSERT of graded results and scores (128 was the fastest for these widths). */
const ROWS_PER_STATEMENT = 128;

/** Graded rows built between two chances for the writes already queued to run (PostgreSQL). */
const ROWS_PER_TURN = 2_000;

/** A number the engine leaves NaN when it does not apply is stored as NULL. */
const orNull = (x: number) => (Number.isNaN(x) ? null : x);

export async function writeEvaluationRows(
  db: DB,
  ids: { evaluationId: number; roundId: number },
  submissions: SubmissionColumns,
  out: EngineOutput,
  onProgress?: (fraction: number) => void,
  /** category codes of each categorical item, lowest grade first (the answer's grade → its code) */
  categoryCodes: ReadonlyMap<number, readonly string[]> = new Map(),
): Promise<void> {
  const { evaluationId, roundId } = ids;
  await lockEvaluationRow(db, evaluationId);
  const assignedIds = await bulkInsertRows(
    db,
    eqaAssignedValues,
    out.assigned.map((a) => ({ evaluationId, ...a })),
  );
  const graded = bulkWriter(db, eqaResultEvaluations, { rowsPerStatement: ROWS_PER_STATEMENT, orFail: true });
  const res = out.results;
  // per lab, its z scores per bar of the distribution (index bin + 4), for the regulator's round page
  const bins = new Map<number, Int32Array>();
  const step = Math.max(1, Math.floor(submissions.n / 10));
  for (let i = 0; i < submissions.n; i++) {
    if (i % step === 0) onProgress?.(i / submissions.n);
    if (i % ROWS_PER_TURN === 0) await letBulkWritesRun(db);
    const status = res.status[i];
    if (status === RESULT_IGNORED) continue;
    const assignedIndex = res.assignedIndex[i];
    const z = res.z[i];
    const isGraded = status === RESULT_GRADED;
    if (!Number.isNaN(z)) {
      const lab = submissions.lab[i];
      let counts = bins.get(lab);
      if (!counts) bins.set(lab, (counts = new Int32Array(9)));
      counts[zBin(z) + 4]++;
    }
    const target = res.targetIndex[i] >= 0 ? out.categoryTargets[res.targetIndex[i]] : null;
    const answered = target ? (categoryCodes.get(submissions.analyte[i])?.[submissions.value[i]] ?? null) : null;
    graded.add({
      evaluationId,
      submissionId: submissions.id[i],
      labId: submissions.lab[i],
      sampleId: submissions.sample[i],
      analyteId: submissions.analyte[i],
      assignedValueId: assignedIndex >= 0 ? assignedIds[assignedIndex] : null,
      value: submissions.value[i],
      deviation: orNull(res.deviation[i]),
      percentDeviation: orNull(res.percentDeviation[i]),
      allowed: orNull(res.allowed[i]),
      z: orNull(z),
      scoreType: res.scoreType[i] === 0 ? 'z' : res.scoreType[i] === 1 ? 'z_prime' : null,
      acceptable: isGraded ? !!res.acceptable[i] : null,
      classification: zClass(z),
      reason: reasonCode(res.reason[i]),
      reasonN: isGraded ? null : res.reasonN[i],
      ...(target
        ? {
            category: answered,
            targetCategory: target.targetCategory,
            targetBasis: target.basis,
            gradeDistance: answered !== null && target.targetGrade !== null ? submissions.value[i] - target.targetGrade : null,
          }
        : {}),
    });
  }
  await graded.flush();
  // PostgreSQL checks the parents of the graded rows here, for the whole set (no per-row foreign keys)
  await checkGradedParents(db, roundId, evaluationId);
  await bulkInsertRows(
    db,
    eqaCategoryTargets,
    out.categoryTargets.map(({ targetGrade: _grade, ...t }) => ({ evaluationId, ...t })),
  );
  const scores = bulkWriter(db, eqaAnalyteScores, { rowsPerStatement: ROWS_PER_STATEMENT, orFail: true });
  for (const s of out.scores) {
    scores.add({
      evaluationId,
      roundId,
      labId: s.labId,
      analyteId: s.analyteId,
      samples: s.samples,
      acceptableCount: s.acceptableCount,
      notEvaluated: s.notEvaluated,
      score: s.score,
      verdict: s.verdict,
      notSubmitted: s.notSubmitted,
      unsuccessful: s.unsuccessful,
    });
  }
  await scores.flush();
  const zBins = bulkWriter(db, eqaZBins, { rowsPerStatement: ROWS_PER_STATEMENT, orFail: true });
  for (const [labId, counts] of bins) for (let b = 0; b < 9; b++) if (counts[b] > 0) zBins.add({ evaluationId, labId, bin: b - 4, n: counts[b] });
  await zBins.flush();
}

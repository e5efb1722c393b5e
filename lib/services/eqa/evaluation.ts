// Evaluation of an EQA round (regulator). One sorted read of every current submission, the pure
// computation of engine.ts, one write transaction of assigned values, graded results and analyte
// scores (evaluation-rows.ts). Every evaluation is a new version that keeps its inputs digest,
// parameters (evaluation-setup.ts), algorithm version and a diff against the previous one
// (evaluation-diff.ts); publishing (publication.ts) freezes the latest.
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { participantLabs, roundReferenceValues, roundSamples, setEvaluationStatus, setRoundStatus } from '@/db/queries/eqa';
import {
  failEvaluation,
  finishEvaluation,
  insertEvaluation,
  currentSubmissions,
  withLargeCache,
  withBulkWriteSettings,
  iteratePreviousVerdicts,
  latestCompleteEvaluation,
  statusesForFinish,
  nextEvaluationVersion,
  runningEvaluation,
  setEvaluationProgress,
  countCurrentSubmissions,
  findEvaluation,
} from '@/db/queries/eqa-evaluation';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import type { RoundVerdict } from '@/lib/stats';
import { assertManagesScheme, effectiveStatus, loadRound, type ClockOptions } from './access';
import { ALGORITHM_VERSION, collectSubmissions, evaluateColumns, historyKey } from './engine';
import { writeEvaluationRows } from './evaluation-rows';
import { intendedGrades, regradeAnswers } from './categorical-setup';
import { countNotEvaluated, diffAgainst, digestOf, DIFF_ITEMS } from './evaluation-diff';
import { evaluationParameters, STALE_RUNNING_MS } from './evaluation-setup';
import { withTx } from '@/db/tx';
// publishing is imported from here by the seed, jobs and tests
export { publishRound, recomputeUnsuccessful, type PublishOptions } from './publication';

export interface EvaluateOptions extends ClockOptions {
  /** called with 0–1 as the evaluation advances (also written to eqa_evaluations.progress) */
  onProgress?: (fraction: number) => void;
  /** continue an evaluation reserved by reserveEvaluation (a background run) instead of starting one */
  evaluationId?: number;
}

/** The checks before an evaluation: 403 outside the regulator's jurisdiction, 409 while the round is
 * open, as a draft, once published, or while another evaluation runs. */
async function evaluableRound(db: DB, actor: Actor, roundCode: string, now: number, ownEvaluationId?: number) {
  if (!can(actor, 'eqaRound.evaluate')) throw new AppError('auth.forbidden');
  const r = await loadRound(db, String(roundCode ?? ''));
  assertManagesScheme(actor, r.regionPath, 'eqaRound.evaluate');
  const status = effectiveStatus(r.round, now);
  if (status === 'draft' || status === 'open') throw new AppError('round.notClosed', { round: r.round.code, status });
  if (status === 'published') throw new AppError('round.frozen', { round: r.round.code });
  // closed before it opened, or created with its window already over: nobody could submit
  if (r.round.closesAt <= Math.max(r.round.opensAt, r.round.createdAt)) throw new AppError('round.neverOpened', { round: r.round.code, opensAt: new Date(r.round.opensAt).toISOString() });
  const running = await runningEvaluation(db, r.round.id, now - STALE_RUNNING_MS);
  if (running && running.id !== ownEvaluationId) throw new AppError('round.beingEvaluated', { round: r.round.code });
  return r;
}

async function insertRunningEvaluation(db: DB, actor: Actor, r: Awaited<ReturnType<typeof loadRound>>, parameters: unknown, now: number) {
  return await withTx(db, async (tx) =>
    await insertEvaluation(tx, {
      roundId: r.round.id,
      version: await nextEvaluationVersion(tx, r.round.id),
      status: 'running',
      algorithmVersion: ALGORITHM_VERSION,
      parameters: parameters as never,
      progress: 0,
      startedAt: now,
      evaluatedBy: actor.userId,
    }), { isolation: 'repeatable read' }
  );
}

/** Rounds with at least this many current results are evaluated in a background process from the
 * regulator's page, which shows the progress; smaller ones are evaluated within the request. */
export const BACKGROUND_EVALUATION_THRESHOLD = 20_000;

/**
 * Check and reserve an evaluation (status 'running', progress 0) for a background process to
 * continue with `evaluateRound(..., { evaluationId })`. Returns null when the round is small enough
 * to evaluate within the request.
 */
export async function reserveEvaluation(db: DB, actor: Actor, input: { roundCode: string }, opts: ClockOptions & { threshold?: number } = {}) {
  const now = opts.now ?? Date.now();
  const r = await evaluableRound(db, actor, input.roundCode, now);
  if (await countCurrentSubmissions(db, r.round.id) < (opts.threshold ?? BACKGROUND_EVALUATION_THRESHOLD)) return null;
  const { parameters } = await evaluationParameters(db, r);
  const evaluation = await insertRunningEvaluation(db, actor, r, parameters, now);
  return { round: r.round.code, evaluationId: evaluation.id, version: evaluation.version };
}

/**
 * Evaluate a closed round (or an open one past its closing time). Refuses: 403 outside the
 * regulator's jurisdiction, 409 while the round is open, as a draft, once published, or while
 * another evaluation runs. Returns the new evaluation's summary.
 */
export async function evaluateRound(db: DB, actor: Actor, input: { roundCode: string }, opts: EvaluateOptions = {}) {
  const now = opts.now ?? Date.now();
  const t0 = Date.now();
  const r = await evaluableRound(db, actor, input.roundCode, now, opts.evaluationId);
  const scheme = r.scheme;
  const { analytes, parameters, categoricalItems, categoricalSettings } = await evaluationParameters(db, r);
  const previous = await latestCompleteEvaluation(db, r.round.id);

  const evaluation = opts.evaluationId !== undefined ? await reservedEvaluation(db, r.round.id, opts.evaluationId) : await insertRunningEvaluation(db, actor, r, parameters, now);
  const progress = (f: number): Promise<void> => {
    // the write starts at the call (SQLite: done before this returns), so the synchronous grading
    // below reports its progress while it runs; callers await it for its failure
    const written = setEvaluationProgress(db, evaluation.id, Math.round(f * 1000) / 1000);
    opts.onProgress?.(f);
    return written;
  };
  const gradingProgress: Promise<void>[] = [];

  try {
    const samples = await roundSamples(db, r.round.id);
    const refRows = await roundReferenceValues(db, r.round.id);
    const categoricalIds = new Set(categoricalItems.map((i) => i.id));
    const references = new Map(refRows.filter((x) => !categoricalIds.has(x.analyteId)).map((x) => [`${x.sampleId}:${x.analyteId}`, { value: x.value, uncertainty: x.uncertainty }]));
    const participants = await participantLabs(db, scheme.id, r.round.opensAt, r.round.closesAt);
    const history = new Map<number, RoundVerdict[]>();
    for (const [labId, analyteId, verdict] of await iteratePreviousVerdicts(db, scheme.id, r.round)) {
      const k = historyKey(labId, analyteId);
      const list = history.get(k);
      if (list) list.push(verdict);
      else history.set(k, [verdict]);
    }
    const cols = collectSubmissions(await withLargeCache(db, async () => await currentSubmissions(db, r.round.id)), scheme.peerGrouping);
    await regradeAnswers(db, r.round.id, cols, categoricalItems);
    await progress(0.2);
    const out = evaluateColumns({
      params: { sigmaPtSource: scheme.sigmaPtSource, peerGrouping: scheme.peerGrouping, minPeerGroupSize: scheme.minPeerGroupSize },
      sampleIds: samples.map((s) => s.id),
      sampleCodes: new Map(samples.map((s) => [s.id, s.code])),
      analytes,
      references,
      submissions: cols,
      participantLabIds: participants.map((p) => p.id),
      history,
      categorical: categoricalItems.length ? { items: categoricalItems, settings: categoricalSettings, intended: intendedGrades(refRows, categoricalItems) } : undefined,
      onProgress: (f) => void gradingProgress.push(progress(0.2 + 0.4 * f)),
    });
    await Promise.all(gradingProgress);
    // a reference value without a category digests as before categories existed (same inputs → same digest)
    const inputDigest = digestOf(parameters, cols, refRows.map(({ category, ...x }) => (category === null ? x : { ...x, category })));
    const labCodes = new Map(participants.map((p) => [p.id, p.code]));
    const sampleCodes = new Map(samples.map((s) => [s.id, s.code]));
    const analyteCodes = new Map([...analytes, ...categoricalItems].map((a) => [a.id, a.code]));
    const diff = {
      ...await diffAgainst(db, previous, out, { labCodes, sampleCodes, analyteCodes }),
      inputsChanged: previous ? previous.inputDigest !== inputDigest : null,
      notes: out.notes.slice(0, DIFF_ITEMS),
      notesTotal: out.notes.length,
    };
    await progress(0.6);

    await withBulkWriteSettings(db, async (tx) => {
      // published or given up while this ran (a publication on another instance, or one that found
      // this evaluation's row stale): its version stays as it is, this one is not written
      const found = await statusesForFinish(tx, r.round.id, evaluation.id);
      if (found.round === 'published') throw new AppError('round.alreadyPublished', { round: r.round.code });
      if (found.evaluation !== 'running') throw new AppError('round.evaluationNotWaiting', { id: evaluation.id });
      // inside the transaction the progress row cannot be seen by others: report to the caller only
      await writeEvaluationRows(tx, { evaluationId: evaluation.id, roundId: r.round.id }, cols, out, (f) => opts.onProgress?.(0.6 + 0.35 * f), new Map(categoricalItems.map((i) => [i.id, i.categories])));
      const current = await latestCompleteEvaluation(tx, r.round.id);
      if (current && current.status === 'complete' && current.id !== evaluation.id) await setEvaluationStatus(tx, current.id, 'superseded');
      await finishEvaluation(tx, evaluation.id, { inputDigest, diff, finishedAt: now + (Date.now() - t0) });
      await setRoundStatus(tx, r.round.id, 'evaluated');
      await insertAudit(tx, {
        actorId: actor.userId,
        actorEmail: actor.email,
        action: 'eqa.round.evaluate',
        entityType: 'eqa_round',
        entityId: r.round.id,
        regionId: scheme.regionId,
        details: {
          round: r.round.code,
          evaluation: evaluation.version,
          results: cols.n,
          labs: new Set(out.scores.map((s) => s.labId)).size,
          inputDigest,
          algorithmVersion: ALGORITHM_VERSION,
          assignedValuesChanged: diff.assignedValues?.changed ?? null,
          verdictsChanged: diff.verdicts?.changed ?? null,
        },
        at: now,
      });
    });
    opts.onProgress?.(1);
    return {
      round: r.round.code,
      evaluationId: evaluation.id,
      version: evaluation.version,
      results: cols.n,
      assignedValues: out.assigned.length,
      scores: out.scores.length,
      unsatisfactory: out.scores.filter((s) => s.verdict === 'unsatisfactory').length,
      unsuccessful: out.scores.filter((s) => s.unsuccessful).length,
      notEvaluated: countNotEvaluated(out),
      inputDigest,
      diff,
    };
  } catch (e) {
    await failEvaluation(db, evaluation.id, (e as Error).message, now + (Date.now() - t0));
    throw e;
  }
}

async function reservedEvaluation(db: DB, roundId: number, id: number) {
  const e = await findEvaluation(db, id);
  if (!e || e.roundId !== roundId || e.status !== 'running') throw new AppError('round.evaluationNotWaiting', { id });
  return e;
}

/** Mark a reserved evaluation failed when its background process could not run it. */
export async function abandonEvaluation(db: DB, evaluationId: number, message: string) {
  const e = await findEvaluation(db, evaluationId);
  if (e?.status === 'running') await failEvaluation(db, evaluationId, message, Date.now());
}

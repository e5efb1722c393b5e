// Evaluation and publication of an EQA round (regulator). One sorted read of every current
// submission, the pure computation of engine.ts, one write transaction of assigned values, graded
// results and analyte scores with prepared multi-row inserts. Every evaluation is a new version that
// keeps its inputs digest, parameters, algorithm version and a diff against the previous one;
// publishing freezes the latest.
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import {
  participantLabs,
  roundReferenceValues,
  roundSamples,
  setEvaluationStatus,
  setRoundStatus,
} from '@/db/queries/eqa';
import {
  failEvaluation,
  finishEvaluation,
  insertEvaluation,
  currentSubmissions,
  withLargeCache,
  withBulkWriteSettings,
  iteratePreviousVerdicts,
  latestCompleteEvaluation,
  nextEvaluationVersion,
  previousRoundCodes,
  runningEvaluation,
  setEvaluationProgress,
  countCurrentSubmissions,
  findEvaluation,
} from '@/db/queries/eqa-evaluation';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { limitRangesOf, schemeScoresInOrder, setUnsuccessful, type LimitRangeRow } from '@/db/queries/eqa-limits';
import { performanceHistory, type AllowableSpec, type ConcentrationRange, type LimitForm, type RoundVerdict } from '@/lib/stats';
import { assertManagesScheme, effectiveStatus, loadRound, roundAnalytes, type ClockOptions } from './access';
import {
  ALGORITHM_VERSION,
  collectSubmissions,
  evaluateColumns,
  historyKey,
  type EngineAnalyte,
  type EngineLimits,
} from './engine';
import { onEqaPublished } from '@/lib/services/recognition/hooks';
import { writeEvaluationRows } from './evaluation-rows';
import { categoricalItemsOf, categoricalSettingsOf, intendedGrades, regradeAnswers } from './categorical-setup';
import { isCategorical } from '@/lib/catalogue/kinds';
import { countNotEvaluated, diffAgainst, digestOf, DIFF_ITEMS } from './evaluation-diff';

/** An evaluation still "running" after this long is taken to have died. */
const STALE_RUNNING_MS = 60 * 60 * 1000;

export interface EvaluateOptions extends ClockOptions {
  /** called with 0–1 as the evaluation advances (also written to eqa_evaluations.progress) */
  onProgress?: (fraction: number) => void;
  /** continue an evaluation reserved by reserveEvaluation (a background run) instead of starting one */
  evaluationId?: number;
}

type Num = number | null;

/** An AllowableSpec from stored columns (percent, absolute, form, threshold), or null when neither limit is set. */
export function specFrom(percent: Num, absolute: Num, form: LimitForm | null, threshold: Num): AllowableSpec | null {
  if (percent == null && absolute == null) return null;
  return {
    ...(percent != null ? { percent } : {}),
    ...(absolute != null ? { absolute } : {}),
    ...(form ? { form } : {}),
    ...(threshold != null ? { threshold } : {}),
  };
}

/**
 * The grading limits of a scheme analyte: the scheme's override (with its form) when it sets one;
 * else the catalogue's concentration ranges when the analyte has them, with its flat TEa (and form:
 * WS/T threshold or CLIA greater-of) outside them.
 */
export function limitsOf(
  a: { percent: Num; absolute: Num; limitForm: LimitForm | null; threshold: Num; teaPercent: Num; teaAbsolute: Num; teaForm: LimitForm | null; teaAbsoluteAtOrBelow: Num },
  ranges: readonly LimitRangeRow[] = [],
): EngineLimits {
  const override = specFrom(a.percent, a.absolute, a.limitForm, a.threshold);
  if (override) return { ranges: [], spec: override };
  const catalogue = specFrom(a.teaPercent, a.teaAbsolute, a.teaForm, a.teaAbsoluteAtOrBelow);
  const asRanges: ConcentrationRange[] = [];
  for (const r of ranges) {
    const spec = specFrom(r.percent, r.absolute, r.form, r.threshold);
    if (spec) asRanges.push({ from: r.fromValue, to: r.toValue, spec });
  }
  return { ranges: asRanges, spec: catalogue };
}

/** The checks before an evaluation: 403 outside the regulator's jurisdiction, 409 while the round is
 * open, as a draft, once published, or while another evaluation runs. */
function evaluableRound(db: DB, actor: Actor, roundCode: string, now: number, ownEvaluationId?: number) {
  if (!can(actor, 'eqaRound.evaluate')) throw new AppError('auth.forbidden');
  const r = loadRound(db, String(roundCode ?? ''));
  assertManagesScheme(actor, r.regionPath, 'eqaRound.evaluate');
  const status = effectiveStatus(r.round, now);
  if (status === 'draft' || status === 'open') throw new AppError('round.notClosed', { round: r.round.code, status });
  if (status === 'published') throw new AppError('round.frozen', { round: r.round.code });
  const running = runningEvaluation(db, r.round.id, now - STALE_RUNNING_MS);
  if (running && running.id !== ownEvaluationId) throw new AppError('round.beingEvaluated', { round: r.round.code });
  return r;
}

function evaluationParameters(db: DB, r: ReturnType<typeof loadRound>) {
  const scheme = r.scheme;
  const all = roundAnalytes(db, r);
  const rows = all.filter((a) => !isCategorical(a.kind));
  const ranges = limitRangesOf(
    db,
    rows.map((a) => a.analyteId),
  );
  const analytes: EngineAnalyte[] = rows.map((a) => ({ id: a.analyteId, code: a.code, limits: limitsOf(a, ranges.get(a.analyteId)), minScore: a.minScore ?? scheme.minRoundScore }));
  const categoricalItems = categoricalItemsOf(all, scheme);
  const categoricalSettings = categoricalSettingsOf(scheme);
  const parameters = {
    sigmaPtSource: scheme.sigmaPtSource,
    peerGrouping: scheme.peerGrouping,
    minPeerGroupSize: scheme.minPeerGroupSize,
    minRoundScore: scheme.minRoundScore,
    analytes: analytes.map((a) => ({ code: a.code, limits: a.limits, minScore: a.minScore })),
    historyRounds: previousRoundCodes(db, scheme.id, r.round.closesAt),
    // only when the round has categorical items, so quantitative parameters (and digests) stay as they were
    ...(categoricalItems.length
      ? { categorical: { settings: categoricalSettings, items: categoricalItems.map((i) => ({ code: i.code, kind: i.kind, categories: i.categories, negativeGrade: i.negativeGrade, minScore: i.minScore })) } }
      : {}),
  };
  return { analytes, parameters, categoricalItems, categoricalSettings };
}

function insertRunningEvaluation(db: DB, actor: Actor, r: ReturnType<typeof loadRound>, parameters: unknown, now: number) {
  return db.transaction((tx) =>
    insertEvaluation(tx, {
      roundId: r.round.id,
      version: nextEvaluationVersion(tx, r.round.id),
      status: 'running',
      algorithmVersion: ALGORITHM_VERSION,
      parameters: parameters as never,
      progress: 0,
      startedAt: now,
      evaluatedBy: actor.userId,
    }),
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
export function reserveEvaluation(db: DB, actor: Actor, input: { roundCode: string }, opts: ClockOptions & { threshold?: number } = {}) {
  const now = opts.now ?? Date.now();
  const r = evaluableRound(db, actor, input.roundCode, now);
  if (countCurrentSubmissions(db, r.round.id) < (opts.threshold ?? BACKGROUND_EVALUATION_THRESHOLD)) return null;
  const { parameters } = evaluationParameters(db, r);
  const evaluation = insertRunningEvaluation(db, actor, r, parameters, now);
  return { round: r.round.code, evaluationId: evaluation.id, version: evaluation.version };
}

/**
 * Evaluate a closed round (or an open one past its closing time). Refuses: 403 outside the
 * regulator's jurisdiction, 409 while the round is open, as a draft, once published, or while
 * another evaluation runs. Returns the new evaluation's summary.
 */
export function evaluateRound(db: DB, actor: Actor, input: { roundCode: string }, opts: EvaluateOptions = {}) {
  const now = opts.now ?? Date.now();
  const t0 = Date.now();
  const r = evaluableRound(db, actor, input.roundCode, now, opts.evaluationId);
  const scheme = r.scheme;
  const { analytes, parameters, categoricalItems, categoricalSettings } = evaluationParameters(db, r);
  const previous = latestCompleteEvaluation(db, r.round.id);

  const evaluation = opts.evaluationId !== undefined ? reservedEvaluation(db, r.round.id, opts.evaluationId) : insertRunningEvaluation(db, actor, r, parameters, now);
  const progress = (f: number) => {
    setEvaluationProgress(db, evaluation.id, Math.round(f * 1000) / 1000);
    opts.onProgress?.(f);
  };

  try {
    const samples = roundSamples(db, r.round.id);
    const refRows = roundReferenceValues(db, r.round.id);
    const categoricalIds = new Set(categoricalItems.map((i) => i.id));
    const references = new Map(refRows.filter((x) => !categoricalIds.has(x.analyteId)).map((x) => [`${x.sampleId}:${x.analyteId}`, { value: x.value, uncertainty: x.uncertainty }]));
    const participants = participantLabs(db, scheme.id, r.round.opensAt, r.round.closesAt);
    const history = new Map<number, RoundVerdict[]>();
    for (const [labId, analyteId, verdict] of iteratePreviousVerdicts(db, scheme.id, r.round.closesAt)) {
      const k = historyKey(labId, analyteId);
      const list = history.get(k);
      if (list) list.push(verdict);
      else history.set(k, [verdict]);
    }
    const cols = collectSubmissions(withLargeCache(db, () => currentSubmissions(db, r.round.id)), scheme.peerGrouping);
    regradeAnswers(db, r.round.id, cols, categoricalItems);
    progress(0.2);
    const out = evaluateColumns({
      params: { sigmaPtSource: scheme.sigmaPtSource, peerGrouping: scheme.peerGrouping, minPeerGroupSize: scheme.minPeerGroupSize },
      sampleIds: samples.map((s) => s.id),
      analytes,
      references,
      submissions: cols,
      participantLabIds: participants.map((p) => p.id),
      history,
      categorical: categoricalItems.length ? { items: categoricalItems, settings: categoricalSettings, intended: intendedGrades(refRows, categoricalItems) } : undefined,
      onProgress: (f) => progress(0.2 + 0.4 * f),
    });
    // a reference value without a category digests as before categories existed (same inputs → same digest)
    const inputDigest = digestOf(parameters, cols, refRows.map(({ category, ...x }) => (category === null ? x : { ...x, category })));
    const labCodes = new Map(participants.map((p) => [p.id, p.code]));
    const sampleCodes = new Map(samples.map((s) => [s.id, s.code]));
    const analyteCodes = new Map([...analytes, ...categoricalItems].map((a) => [a.id, a.code]));
    const diff = {
      ...diffAgainst(db, previous, out, { labCodes, sampleCodes, analyteCodes }),
      inputsChanged: previous ? previous.inputDigest !== inputDigest : null,
      notes: out.notes.slice(0, DIFF_ITEMS),
      notesTotal: out.notes.length,
    };
    progress(0.6);

    withBulkWriteSettings(db, () => {
      // inside the transaction the progress row cannot be seen by others: report to the caller only
      writeEvaluationRows(db, { evaluationId: evaluation.id, roundId: r.round.id }, cols, out, (f) => opts.onProgress?.(0.6 + 0.35 * f), new Map(categoricalItems.map((i) => [i.id, i.categories])));
      if (previous && previous.status === 'complete') setEvaluationStatus(db, previous.id, 'superseded');
      finishEvaluation(db, evaluation.id, { inputDigest, diff, finishedAt: now + (Date.now() - t0) });
      setRoundStatus(db, r.round.id, 'evaluated');
      insertAudit(db, {
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
    failEvaluation(db, evaluation.id, (e as Error).message, now + (Date.now() - t0));
    throw e;
  }
}

export interface PublishOptions extends ClockOptions {
  /** what runs after the commit; default recognition's onEqaPublished (tests pass their own) */
  afterPublish?: (db: DB, roundId: number) => unknown;
}

/**
 * Publish a round's latest evaluation: it becomes frozen (no re-evaluation), labs see their reports,
 * and after the commit recognition re-checks the participants (onEqaPublished); a failure there is
 * logged in the audit log and does not undo the publication.
 */
export function publishRound(db: DB, actor: Actor, input: { roundCode: string }, opts: PublishOptions = {}) {
  const now = opts.now ?? Date.now();
  if (!can(actor, 'eqaRound.evaluate')) throw new AppError('auth.forbidden');
  const result = db.transaction((tx) => {
    const r = loadRound(tx, String(input.roundCode ?? ''));
    assertManagesScheme(actor, r.regionPath, 'eqaRound.evaluate');
    if (r.round.status === 'published') throw new AppError('round.alreadyPublished', { round: r.round.code });
    if (runningEvaluation(tx, r.round.id, now - STALE_RUNNING_MS)) throw new AppError('round.publishWhileEvaluating', { round: r.round.code });
    if (r.round.status !== 'evaluated') throw new AppError('round.notEvaluated', { round: r.round.code });
    const ev = latestCompleteEvaluation(tx, r.round.id);
    if (!ev || ev.status !== 'complete') throw new AppError('round.noCompleteEvaluation', { round: r.round.code });
    setEvaluationStatus(tx, ev.id, 'published');
    setRoundStatus(tx, r.round.id, 'published', { publishedAt: now });
    const recomputed = recomputeUnsuccessful(db, r.scheme.id);
    insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'eqa.round.publish',
      entityType: 'eqa_round',
      entityId: r.round.id,
      regionId: r.scheme.regionId,
      details: { round: r.round.code, evaluation: ev.version, inputDigest: ev.inputDigest, unsuccessfulChanged: recomputed },
      at: now,
    });
    return { round: r.round.code, roundId: r.round.id, evaluationVersion: ev.version, regionId: r.scheme.regionId };
  });
  try {
    (opts.afterPublish ?? onEqaPublished)(db, result.roundId);
  } catch (e) {
    insertAudit(db, { action: 'eqa.round.publish_hook_failed', entityType: 'eqa_round', entityId: result.roundId, regionId: result.regionId, details: { error: String((e as Error)?.message ?? e) }, at: Date.now() });
  }
  return { round: result.round, evaluationVersion: result.evaluationVersion, status: 'published' as const };
}

/**
 * Recompute the "unsuccessful" flag of every evaluated or published round of a scheme from the
 * published verdicts before it (DOMAIN.md §2): run after each publication, so a round published
 * late (or out of order) updates the rounds after it. A round's own verdict completes its pattern
 * even before it is published (its flag is then provisional). Returns how many flags changed.
 */
export function recomputeUnsuccessful(db: DB, schemeId: number): number {
  // per lab × analyte: the published verdicts so far, in round order
  const published = new Map<number, RoundVerdict[]>();
  const set: number[] = [];
  const clear: number[] = [];
  let roundId = -1;
  let pending: [number, RoundVerdict][] = [];
  const flush = () => {
    for (const [k, v] of pending) {
      const list = published.get(k);
      if (list) list.push(v);
      else published.set(k, [v]);
    }
    pending = [];
  };
  for (const [id, rId, isPublished, labId, analyteId, verdict, unsuccessful] of schemeScoresInOrder(db, schemeId)) {
    if (rId !== roundId) {
      flush();
      roundId = rId;
    }
    const k = historyKey(labId, analyteId);
    const history = performanceHistory([...(published.get(k) ?? []).slice(-2), verdict]);
    const now = history[history.length - 1].unsuccessful;
    if (now !== !!unsuccessful) (now ? set : clear).push(id);
    if (isPublished) pending.push([k, verdict]);
  }
  setUnsuccessful(db, set, true);
  setUnsuccessful(db, clear, false);
  return set.length + clear.length;
}

function reservedEvaluation(db: DB, roundId: number, id: number) {
  const e = findEvaluation(db, id);
  if (!e || e.roundId !== roundId || e.status !== 'running') throw new AppError('round.evaluationNotWaiting', { id });
  return e;
}

/** Mark a reserved evaluation failed when its background process could not run it. */
export function abandonEvaluation(db: DB, evaluationId: number, message: string) {
  const e = findEvaluation(db, evaluationId);
  if (e?.status === 'running') failEvaluation(db, evaluationId, message, Date.now());
}

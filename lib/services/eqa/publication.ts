// Publication of an EQA round's latest evaluation, and the "unsuccessful" flags that follow from the
// published verdicts (DOMAIN.md §2).
import type { DB } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { setEvaluationStatus, setRoundStatus } from '@/db/queries/eqa';
import { latestCompleteEvaluation, runningEvaluation } from '@/db/queries/eqa-evaluation';
import { schemeScoresInOrder, setUnsuccessful } from '@/db/queries/eqa-limits';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { performanceHistory, type RoundVerdict } from '@/lib/stats';
import { onEqaPublished } from '@/lib/services/recognition/hooks';
import { assertManagesScheme, loadRound, type ClockOptions } from './access';
import { historyKey } from './engine';
import { STALE_RUNNING_MS } from './evaluation-setup';
import { withTx } from '@/db/tx';

export interface PublishOptions extends ClockOptions {
  /** what runs after the commit; default recognition's onEqaPublished (tests pass their own) */
  afterPublish?: (db: DB, roundId: number, opts: { newlyUnsuccessful: number[] }) => unknown;
}

/**
 * Publish a round's latest evaluation: it becomes frozen (no re-evaluation), labs see their reports,
 * and after the commit recognition re-checks the participants (onEqaPublished); a failure there is
 * logged in the audit log and does not undo the publication.
 */
export async function publishRound(db: DB, actor: Actor, input: { roundCode: string }, opts: PublishOptions = {}) {
  const now = opts.now ?? Date.now();
  if (!can(actor, 'eqaRound.evaluate')) throw new AppError('auth.forbidden');
  const result = await withTx(db, async (tx) => {
    const r = await loadRound(tx, String(input.roundCode ?? ''));
    assertManagesScheme(actor, r.regionPath, 'eqaRound.evaluate');
    if (r.round.status === 'published') throw new AppError('round.alreadyPublished', { round: r.round.code });
    if (await runningEvaluation(tx, r.round.id, now - STALE_RUNNING_MS)) throw new AppError('round.publishWhileEvaluating', { round: r.round.code });
    if (r.round.status !== 'evaluated') throw new AppError('round.notEvaluated', { round: r.round.code });
    const ev = await latestCompleteEvaluation(tx, r.round.id);
    if (!ev || ev.status !== 'complete') throw new AppError('round.noCompleteEvaluation', { round: r.round.code });
    await setEvaluationStatus(tx, ev.id, 'published');
    await setRoundStatus(tx, r.round.id, 'published', { publishedAt: now });
    const recomputed = await recomputeUnsuccessful(tx, r.scheme.id);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'eqa.round.publish',
      entityType: 'eqa_round',
      entityId: r.round.id,
      regionId: r.scheme.regionId,
      details: { round: r.round.code, evaluation: ev.version, inputDigest: ev.inputDigest, unsuccessfulChanged: recomputed.changed },
      at: now,
    });
    return { round: r.round.code, roundId: r.round.id, evaluationVersion: ev.version, regionId: r.scheme.regionId, newlyUnsuccessful: recomputed.newlyUnsuccessful };
  }, { isolation: 'repeatable read' });
  try {
    await (opts.afterPublish ?? onEqaPublished)(db, result.roundId, { newlyUnsuccessful: result.newlyUnsuccessful });
  } catch (e) {
    await insertAudit(db, { action: 'eqa.round.publish_hook_failed', entityType: 'eqa_round', entityId: result.roundId, regionId: result.regionId, details: { error: String((e as Error)?.message ?? e) }, at: Date.now() });
  }
  return { round: result.round, evaluationVersion: result.evaluationVersion, status: 'published' as const };
}

/**
 * Recompute the "unsuccessful" flag of every evaluated or published round of a scheme from the
 * published verdicts before it (DOMAIN.md §2): run after each publication, so a round published
 * late (or out of order) updates the rounds after it. A round's own verdict completes its pattern
 * even before it is published (its flag is then provisional). Returns how many flags changed, and
 * the score rows of published rounds newly unsuccessful.
 */
export async function recomputeUnsuccessful(db: DB, schemeId: number): Promise<{ changed: number; newlyUnsuccessful: number[] }> {
  // per lab × analyte: the published verdicts so far, in round order
  const published = new Map<number, RoundVerdict[]>();
  const set: number[] = [];
  const clear: number[] = [];
  /** score rows of published rounds that became unsuccessful (a round published late can make a
   * later round's pattern complete): their certifications are flagged as the published round's are */
  const newlyUnsuccessful: number[] = [];
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
  for (const [id, rId, isPublished, labId, analyteId, verdict, unsuccessful] of await schemeScoresInOrder(db, schemeId)) {
    if (rId !== roundId) {
      flush();
      roundId = rId;
    }
    const k = historyKey(labId, analyteId);
    const history = performanceHistory([...(published.get(k) ?? []).slice(-2), verdict]);
    const now = history[history.length - 1].unsuccessful;
    if (now !== !!unsuccessful) {
      (now ? set : clear).push(id);
      if (now && isPublished) newlyUnsuccessful.push(id);
    }
    if (isPublished) pending.push([k, verdict]);
  }
  await setUnsuccessful(db, set, true);
  await setUnsuccessful(db, clear, false);
  return { changed: set.length + clear.length, newlyUnsuccessful };
}

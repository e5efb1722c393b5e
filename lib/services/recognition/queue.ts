// The regulator's queue, read from the stored verdicts: eligible pairs to approve, certified pairs
// to review (flagged first, then no longer eligible, then suspended pairs: eligible again, or not and
// waiting to be revoked or reinstated; a suspension is never the end of a certification's story).
import type { DB } from '@/db/client';
import { findRegionById } from '@/db/queries/regions';
import { labRegionsWithin } from '@/db/queries/labs';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { REJECT_HOLD_DAYS } from './decisions';
import { scopeOf } from '@/lib/auth/scope';
import { pageQueueToApprove, pageQueueToReview, QUEUE_SORTS, type QueueSort } from '@/db/queries/recognition-queue';
import { listPoliciesOnPaths } from '@/db/queries/recognition';
import { dayOf } from '@/lib/calendar';
import { resolvePolicy, verdictPredates } from './policy';

export { QUEUE_SORTS, type QueueSort };
import type { PageRequest } from '@/db/queries/paging';

export interface QueueInput {
  cityCode?: string;
  labId?: number;
  /** one laboratory by code, for the page's filter */
  labCode?: string;
  /** the review list: flagged certifications only */
  flaggedOnly?: boolean;
  analyteId?: number;
}

/** The queue one page at a time (the page's lists): each list paged, sorted and filtered in SQL
 * within the actor's data scope. */
export async function recognitionQueuePage(
  db: DB,
  actor: Actor,
  input: QueueInput,
  pages: { approve: PageRequest<QueueSort>; review: PageRequest<QueueSort> },
  opts: { now?: number } = {},
) {
  if (!can(actor, 'certification.decide')) throw new AppError('recognition.reviewRegulatorOnly');
  const region = actor.regionId ? await findRegionById(db, actor.regionId) : undefined;
  if (!region) throw new AppError('auth.regulatorNeedsRegion');
  const now = opts.now ?? Date.now();
  const scope = scopeOf(actor);
  const f = { ...input, rejectHoldSince: now - REJECT_HOLD_DAYS * 24 * 3600 * 1000, today: dayOf(now) };
  const review = await pageQueueToReview(db, scope, f, pages.review);
  const approve = await pageQueueToApprove(db, scope, f, pages.approve);
  const outdated = await outdatedVerdicts(db, [...approve.rows, ...review.rows], dayOf(now));
  return {
    region,
    cities: await labRegionsWithin(db, scope),
    toApprove: { ...approve, rows: approve.rows.map((r) => ({ ...r, outdatedBy: outdated(r) })) },
    toReview: {
      total: review.total,
      rows: review.rows.map((r) => ({
        ...r,
        why: r.flagged ? ('flagged' as const) : r.status !== 'suspended' ? ('notEligible' as const) : r.eligible ? ('eligibleAgain' as const) : ('suspended' as const),
        outdatedBy: outdated(r),
      })),
    },
  };
}

/** For the rows of a page: the version of the policy in force today that their verdict predates
 * (verdictPredates), or null. An approval of such a pair is refused until eligibility is computed
 * again; the queue says so beside the verdict rather than after a click. One read of the policies
 * on the page's regions' paths. */
async function outdatedVerdicts(db: DB, rows: { regionPath: string; computedAt: number | null }[], today: string) {
  const policies = await listPoliciesOnPaths(db, [...new Set(rows.map((r) => r.regionPath))]);
  const inForce = new Map<string, ReturnType<typeof resolvePolicy>>();
  return (r: { regionPath: string; computedAt: number | null }): number | null => {
    if (r.computedAt === null) return null;
    if (!inForce.has(r.regionPath)) inForce.set(r.regionPath, resolvePolicy(policies, r.regionPath, today));
    const policy = inForce.get(r.regionPath)!;
    return verdictPredates(policy, r.computedAt) ? policy!.version : null;
  };
}

/** The queue's figures for the regulator's landing page: pairs to approve, certifications to
 * review and how many of those are flagged, counted in SQL (never the whole queue read). */
export async function recognitionQueueCounts(db: DB, actor: Actor, opts: { now?: number } = {}) {
  const one: PageRequest<QueueSort> = { page: 1, size: 1, sort: 'lab', dir: 'asc', q: '' };
  const all = await recognitionQueuePage(db, actor, {}, { approve: one, review: one }, opts);
  const flagged = (await recognitionQueuePage(db, actor, { flaggedOnly: true }, { approve: one, review: one }, opts)).toReview.total;
  return { region: all.region, toApprove: all.toApprove.total, toApproveMore: !!all.toApprove.more, toReview: all.toReview.total, flagged };
}

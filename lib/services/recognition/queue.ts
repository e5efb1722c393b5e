// The regulator's queue, read from the stored verdicts: eligible pairs to approve, certified pairs
// to review (flagged first, then no longer eligible, then suspended pairs eligible again).
import type { DB } from '@/db/client';
import { findRegionById } from '@/db/queries/regions';
import { labRegionsWithin } from '@/db/queries/labs';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { REJECT_HOLD_DAYS } from './decisions';
import { scopeOf } from '@/lib/auth/scope';
import { pageQueueToApprove, pageQueueToReview, QUEUE_SORTS, type QueueSort } from '@/db/queries/recognition-queue';

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
  const f = { ...input, rejectHoldSince: now - REJECT_HOLD_DAYS * 24 * 3600 * 1000 };
  const review = await pageQueueToReview(db, scope, f, pages.review);
  return {
    region,
    cities: await labRegionsWithin(db, scope),
    toApprove: await pageQueueToApprove(db, scope, f, pages.approve),
    toReview: {
      total: review.total,
      rows: review.rows.map((r) => ({
        ...r,
        why: r.flagged ? ('flagged' as const) : r.status === 'suspended' ? ('eligibleAgain' as const) : ('notEligible' as const),
      })),
    },
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

// The regulator's queue, read from the stored verdicts: eligible pairs to approve, certified pairs
// to review (flagged first, then no longer eligible, then suspended pairs eligible again).
import type { DB } from '@/db/client';
import { findRegionById } from '@/db/queries/regions';
import { labRegionsWithin } from '@/db/queries/labs';
import { queueToApprove, queueToReview, type CriterionLine } from '@/db/queries/recognition';
import { can, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { REJECT_HOLD_DAYS } from './decisions';

export interface QueueInput {
  cityCode?: string;
  labId?: number;
  analyteId?: number;
}

export function recognitionQueue(db: DB, actor: Actor, input: QueueInput = {}, opts: { now?: number } = {}) {
  if (!can(actor, 'certification.decide')) throw AppError.forbidden('Only a regulator reviews recognition');
  const region = actor.regionId ? findRegionById(db, actor.regionId) : undefined;
  if (!region) throw AppError.forbidden('A regulator account needs a region');
  const now = opts.now ?? Date.now();
  const f = { withinPath: region.path, ...input, rejectHoldSince: now - REJECT_HOLD_DAYS * 24 * 3600 * 1000 };
  const criteria = (c: unknown) => (c ?? []) as CriterionLine[];
  return {
    region,
    cities: labRegionsWithin(db, region.path),
    toApprove: queueToApprove(db, f).map((r) => ({ ...r, criteria: criteria(r.criteria) })),
    toReview: queueToReview(db, f).map((r) => ({
      ...r,
      criteria: criteria(r.criteria),
      why: r.flagged ? ('flagged' as const) : r.status === 'suspended' ? ('eligibleAgain' as const) : ('notEligible' as const),
    })),
  };
}

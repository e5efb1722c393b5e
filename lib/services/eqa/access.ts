// Shared rules of the EQA use cases: finding a round, who may see it, and when it takes submissions.
import type { Conn } from '@/db/client';
import { findRoundByCode, isEnrolled, listVisibleRounds, schemeAnalytes, type RoundVisibility } from '@/db/queries/eqa';
import { findLabScope } from '@/db/queries/labs';
import { can, withinRegion, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';

/** Options every EQA use case accepts: the clock (the seed and tests lay data out in time). */
export interface ClockOptions {
  now?: number;
}

export type LoadedRound = NonNullable<ReturnType<typeof findRoundByCode>>;

export function loadRound(db: Conn, code: string): LoadedRound {
  const r = findRoundByCode(db, code);
  if (!r) throw AppError.notFound(`No EQA round ${code}`);
  return r;
}

/** The analytes graded in a round: the round's own list (a subset of the scheme's), else all of the scheme's. */
export function roundAnalytes(db: Conn, r: { round: { analytes: string[] | null }; scheme: { id: number } }) {
  const all = schemeAnalytes(db, r.scheme.id);
  const only = r.round.analytes ? new Set(r.round.analytes) : null;
  return only ? all.filter((a) => only.has(a.code)) : all;
}

/** Whether a round takes submissions at `now`: status open and opensAt ≤ now < closesAt. */
export function acceptsSubmissions(round: { status: string; opensAt: number; closesAt: number }, now: number): boolean {
  return round.status === 'open' && now >= round.opensAt && now < round.closesAt;
}

/** The status shown to people: an open round past its closing time is closed. */
export function effectiveStatus(round: { status: string; closesAt: number }, now: number) {
  return round.status === 'open' && now >= round.closesAt ? 'closed' : round.status;
}

/** What rounds an actor may list (the filter goes into SQL). */
export function roundVisibility(actor: Actor): RoundVisibility {
  if (actor.role === 'admin') return { all: true };
  if (actor.role === 'regulator') return { withinPath: actor.regionPath ?? '/none/' };
  if (actor.role === 'lab_manager') return { labId: actor.labId ?? -1 };
  return { withinPath: '/none/' };
}

/**
 * May the actor see this round at all? Admin: yes. Regulator: the scheme's region is inside their
 * jurisdiction, or the scheme enrols a lab inside it. Lab manager: their lab is enrolled and the
 * round is not a draft.
 */
export function assertRoundVisible(db: Conn, actor: Actor, r: LoadedRound): void {
  if (actor.role === 'lab_manager') {
    if (!actor.labId || !can(actor, 'eqaRound.read', { labId: actor.labId }) || r.round.status === 'draft' || !isEnrolled(db, r.scheme.id, actor.labId)) {
      throw AppError.forbidden('Your laboratory does not take part in this round');
    }
    return;
  }
  if (!can(actor, 'eqaRound.read')) throw AppError.forbidden();
  if (actor.role === 'admin' || can(actor, 'eqaRound.read', { regionPath: r.regionPath })) return;
  if (actor.role === 'regulator') {
    // a city regulator sees the provincial scheme's rounds in which its labs take part
    const visible = listVisibleRounds(db, { withinPath: actor.regionPath }, { schemeId: r.scheme.id });
    if (visible.some((v) => v.id === r.round.id)) return;
  }
  throw AppError.forbidden('This round is outside your jurisdiction');
}

/** The regulator must run the scheme (its region inside their jurisdiction). */
export function assertManagesScheme(actor: Actor, regionPath: string, permission: 'eqaScheme.manage' | 'eqaRound.evaluate' = 'eqaScheme.manage') {
  if (!can(actor, permission, { regionPath })) throw AppError.forbidden('This scheme is outside your jurisdiction');
}

/** The lab whose results are asked for, checked against the actor (own lab, or a lab in the jurisdiction). */
export function assertLabReadable(db: Conn, actor: Actor, labId: number) {
  const scope = findLabScope(db, labId);
  if (!scope) throw AppError.notFound('No such laboratory');
  if (!can(actor, 'eqaResult.read', scope)) throw AppError.forbidden("You cannot read this laboratory's results");
  return scope;
}

export { withinRegion };

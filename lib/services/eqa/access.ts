// Shared rules of the EQA use cases: finding a round, who may see it, and when it takes submissions.
import type { Conn } from '@/db/client';
import { findRoundByCode, listVisibleRounds, takesPart, schemeAnalytes } from '@/db/queries/eqa';
import { findLabScope } from '@/db/queries/labs';
import { can, withinRegion, type Actor } from '@/lib/auth/core';
import { NO_DATA, scopeIncludes, scopeOf, type DataScope } from '@/lib/auth/scope';
import { AppError } from '@/lib/errors';

/** Options every EQA use case accepts: the clock (the seed and tests lay data out in time). */
export interface ClockOptions {
  now?: number;
}

export type LoadedRound = NonNullable<Awaited<ReturnType<typeof findRoundByCode>>>;

export async function loadRound(db: Conn, code: string): Promise<LoadedRound> {
  const r = await findRoundByCode(db, code);
  if (!r) throw new AppError('round.notFound', { round: code });
  return r;
}

/** The analytes graded in a round: the round's own list (a subset of the scheme's), else all of the scheme's. */
export async function roundAnalytes(db: Conn, r: { round: { analytes: string[] | null }; scheme: { id: number } }) {
  const all = await schemeAnalytes(db, r.scheme.id);
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

/** The status a page shows: effectiveStatus, except that an open round whose opening time is still
 * ahead is 'notYetOpen' (it refuses submissions, round.notOpenYet), not "accepting results". A page
 * value only: the API answers keep effectiveStatus's values, which clients already read. */
export function shownStatus(round: { status: string; opensAt: number; closesAt: number }, now: number) {
  return round.status === 'open' && now < round.opensAt ? 'notYetOpen' : effectiveStatus(round, now);
}

/** What can be done with a round: open a draft, submit results, close it, evaluate, publish. */
export const ROUND_OPERATIONS = ['open', 'submit', 'close', 'evaluate', 'publish'] as const;
export type RoundOperation = (typeof ROUND_OPERATIONS)[number];

export interface RoundState {
  /** the status shown to people (an open round past its closing time is closed) */
  status: string;
  /** the status a page's badge shows (shownStatus: also 'notYetOpen') */
  shown: string;
  /** takes submissions now */
  open: boolean;
  /** opened by the regulator but its opening time is still ahead */
  notYetOpen: boolean;
  /** the operations the round's state allows at `now` (who may perform them is can()'s answer) */
  allowedOperations: RoundOperation[];
}

/**
 * The round's state at `now`, the one answer pages and services share: a draft can be opened; an
 * open round takes submissions between opensAt and closesAt and can be closed once opened; a closed or
 * evaluated round can be (re-)evaluated; an evaluated round can be published; a published round is
 * frozen. Publishing also needs a complete evaluation, which the publish use case checks.
 */
export function roundState(round: { status: string; opensAt: number; closesAt: number }, now: number): RoundState {
  const status = effectiveStatus(round, now);
  const open = acceptsSubmissions(round, now);
  const allowedOperations: RoundOperation[] = [];
  if (round.status === 'draft') allowedOperations.push('open');
  if (open) allowedOperations.push('submit');
  // a round is closed and evaluated once it has opened (before, every participant would count as not submitted)
  if (round.status === 'open' && now >= round.opensAt) allowedOperations.push('close');
  if ((status === 'closed' || status === 'evaluated') && round.closesAt > round.opensAt) allowedOperations.push('evaluate');
  if (round.status === 'evaluated') allowedOperations.push('publish');
  return { status, shown: shownStatus(round, now), open, notYetOpen: round.status === 'open' && now < round.opensAt, allowedOperations };
}

/** What rounds an actor may list: their data scope (the filter goes into SQL, db/queries/eqa.ts). */
export function roundVisibility(actor: Actor): DataScope {
  return can(actor, 'eqaRound.read') ? scopeOf(actor) : NO_DATA;
}

/**
 * May the actor see this round at all? Admin: yes. Regulator: the scheme's region is inside their
 * jurisdiction, or the scheme enrols a lab inside it. Lab manager: their lab takes part in the round
 * (enrolled while it ran) and it is not a draft. One rule with the list: the round is among those its scope sees.
 */
export async function assertRoundVisible(db: Conn, actor: Actor, r: LoadedRound): Promise<void> {
  const scope = roundVisibility(actor);
  if (scope.kind === 'lab') {
    if (r.round.status === 'draft' || !await takesPart(db, r.scheme.id, scope.labId, r.round)) {
      throw new AppError('eqa.notParticipating');
    }
    return;
  }
  if (scope.kind === 'none') throw new AppError('auth.forbidden');
  if (scopeIncludes(scope, { regionPath: r.regionPath })) return;
  // a city regulator sees the provincial scheme's rounds in which its labs take part
  const visible = await listVisibleRounds(db, scope, { schemeId: r.scheme.id });
  if (visible.some((v) => v.id === r.round.id)) return;
  throw new AppError('round.outsideJurisdiction');
}

/** The regulator must run the scheme (its region inside their jurisdiction). */
export function assertManagesScheme(actor: Actor, regionPath: string, permission: 'eqaScheme.manage' | 'eqaRound.evaluate' = 'eqaScheme.manage') {
  if (!can(actor, permission, { regionPath })) throw new AppError('scheme.outsideJurisdiction');
}

/** The lab whose results are asked for, checked against the actor (own lab, or a lab in the jurisdiction). */
export async function assertLabReadable(db: Conn, actor: Actor, labId: number) {
  const scope = await findLabScope(db, labId);
  if (!scope) throw new AppError('lab.noSuch');
  if (!can(actor, 'eqaResult.read', scope)) throw new AppError('eqa.labResultsNotAllowed');
  return scope;
}

export { withinRegion };

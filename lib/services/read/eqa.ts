// Read models of EQA for pages: schemes in the actor's scope, and a lab's view of one round (its
// state, samples, analytes and the lab's own submissions), so pages ask and never recompute.
import type { Conn } from '@/db/client';
import { findRoundByCode, listSchemes, roundSamples, submissionHistoryOfLab } from '@/db/queries/eqa';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';
import { countRoundsToAct, pageRounds, ROUND_SORTS, type RoundSort } from '@/db/queries/lists';
import type { PageRequest } from '@/db/queries/paging';
import { roundAnalytes, roundState, roundVisibility, shownStatus } from '../eqa/access';
import { listRounds } from '../eqa/rounds';

export { ROUND_SORTS, type RoundSort };

/** One page of the rounds the actor can see (a lab: its schemes' rounds, not drafts; a regulator:
 *  its jurisdiction's), each with the status people see (shownStatus: an open round past its closing
 *  is closed, one before its opening not yet open). */
export async function roundsPage(db: Conn, actor: Actor, req: PageRequest<RoundSort>, now = Date.now()) {
  if (!can(actor, 'eqaRound.read')) throw new AppError('auth.forbidden');
  const page = await pageRounds(db, roundVisibility(actor), req);
  return { ...page, rows: page.rows.map((r) => ({ ...r, status: shownStatus(r, now) })) };
}

/** The rounds the actor can see that are open now, and those waiting for an evaluation (closed, or
 *  open past their closing time), counted in SQL. */
export async function roundsToAct(db: Conn, actor: Actor, now = Date.now()) {
  if (!can(actor, 'eqaRound.read')) throw new AppError('auth.forbidden');
  return await countRoundsToAct(db, roundVisibility(actor), now);
}

/** EQA schemes run by regions inside the actor's scope (a regulator's, or all for an administrator). */
export async function schemesInScope(db: Conn, actor: Actor) {
  if (!can(actor, 'eqaScheme.manage') && !can(actor, 'eqaRound.report')) throw new AppError('auth.forbidden');
  return await listSchemes(db, scopeOf(actor));
}

/**
 * A lab manager's view of a round: undefined when the round is not visible to the actor's lab
 * (unknown, a draft, or a scheme the lab is not enrolled in). `state` says whether it takes
 * submissions now; samples and analytes are given while it does.
 */
export async function labRoundView(db: Conn, actor: Actor, code: string, now = Date.now()) {
  const scope = roundVisibility(actor);
  if (scope.kind !== 'lab') return undefined;
  // listRounds applies the visibility rules (enrolled lab, not a draft)
  const listed = (await listRounds(db, actor, { now })).find((r) => r.code === code);
  const found = await findRoundByCode(db, code);
  if (!listed || !found) return undefined;
  const state = roundState(found.round, now);
  const history = await submissionHistoryOfLab(db, found.round.id, scope.labId);
  return {
    round: listed,
    closesAt: found.round.closesAt,
    state,
    history,
    current: history.filter((h) => h.current),
    samples: state.open ? (await roundSamples(db, found.round.id)).map((s) => s.code) : [],
    analytes: state.open ? await roundAnalytes(db, found) : [],
  };
}

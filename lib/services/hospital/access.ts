// Who may change a hospital's (or a regulator platform's) own settings: the signed-in account itself.
// Everything it owns (local code map, verification tokens, watch list, webhook endpoints) is keyed by
// its user id (`owner_id`): a hospital account is one hospital's workspace; a regulator's account is
// its region's platform (one map and one set of tokens per regulator account). Another account's
// rows are reported as not found, never confirmed.
import { can, type Actor, type Permission } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';

/** The owner id of the actor's workspace for `permission`; refuses other roles and API tokens. */
export function requireOwner(actor: Actor, permission: Permission): number {
  if (!can(actor, permission)) throw new AppError('hospital.accountOnly');
  if (actor.via === 'token') throw new AppError('hospital.viaToken');
  return actor.userId;
}

/** The audit row's common fields for an owner's change. */
export function ownerAudit(actor: Actor) {
  return { actorId: actor.userId, actorEmail: actor.email, regionId: actor.regionId ?? null } as const;
}

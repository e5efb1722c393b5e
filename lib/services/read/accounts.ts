// Read models of accounts for pages: lists in the actor's scope (filtered in SQL), one account for
// the editor, and the history of an edited entity.
import type { Conn } from '@/db/client';
import { listEntityVersionsWithAuthor } from '@/db/queries/admin-history';
import { findUserScope, listUsers, type UserListFilter } from '@/db/queries/users';
import { listTokensOfLab } from '@/db/queries/tokens';
import { listEndpoints, listTokensOfOwner, listWatches } from '@/db/queries/hospital';
import { labCodesByIds } from '@/db/queries/labs';
import { listRegions } from '@/db/queries/regions';
import { pageUsers, USER_SORTS, type UserSort } from '@/db/queries/lists';
import type { PageRequest } from '@/db/queries/paging';
import type { Role } from '@/db/enums';
import { can, scopeOf, type Actor, type Permission } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';

/** An account with its lab and region (what the account editor shows). */
export type AccountView = NonNullable<Awaited<ReturnType<typeof findUserScope>>>;

/** Who may list accounts of a role: lab managers whoever reads labs (a regulator their jurisdiction's,
 * a lab manager their own lab's), any other role an administrator only. */
function assertMayListAccounts(actor: Actor, role: Role) {
  if (!can(actor, role === 'lab_manager' ? 'lab.read' : 'regulator.manage')) throw new AppError('auth.forbidden');
}

/** Accounts of one role inside the actor's scope (filtered in SQL). */
export async function accountsInScope(db: Conn, actor: Actor, filter: Omit<UserListFilter, 'scope'>) {
  assertMayListAccounts(actor, filter.role);
  return await listUsers(db, { ...filter, scope: scopeOf(actor) });
}

export { USER_SORTS, type UserSort };

/** One page of the accounts of a role inside the actor's scope (same permissions as accountsInScope). */
export function accountsPageInScope(db: Conn, actor: Actor, role: Role, req: PageRequest<UserSort>) {
  assertMayListAccounts(actor, role);
  return pageUsers(db, scopeOf(actor), role, req);
}

/** An account by id with its lab and region, for a page to authorize against before it edits it. */
export async function accountById(db: Conn, id: number): Promise<AccountView | undefined> {
  return Number.isSafeInteger(id) ? await findUserScope(db, id) : undefined;
}

/** Who may read the history of each kind of entity (the page itself checks the entity's scope). */
const HISTORY_PERMISSION: Record<string, Permission> = { lab: 'lab.read', user: 'labUser.manage', analyte: 'analyte.manage', region: 'region.manage' };

/** The versions of an edited entity (lab, region, account, analyte), newest first, with their authors,
 * and the codes of the labs and regions they name by id (a history shows GZ-001, not lab 7). */
export async function entityHistory(db: Conn, actor: Actor, entityType: string, entityId: number) {
  const permission = HISTORY_PERMISSION[entityType];
  if (!permission || !can(actor, permission)) throw new AppError('auth.forbidden');
  const versions = await listEntityVersionsWithAuthor(db, entityType, entityId);
  const idsOf = (key: string) => versions.map((v) => (v.data as Record<string, unknown> | null)?.[key]).filter((x): x is number => typeof x === 'number');
  const [labs, regions] = await Promise.all([labCodesByIds(db, idsOf('labId')), idsOf('regionId').length ? listRegions(db) : []]);
  const regionCodes = new Map(regions.map((r) => [r.id, r.code]));
  return versions.map((v) => ({ ...v, codes: { labId: labs, regionId: regionCodes } as Record<string, Map<number, string>> }));
}

/** The API tokens of the actor's own lab, newest first (none outside a lab scope). */
export async function ownLabTokens(db: Conn, actor: Actor) {
  const scope = scopeOf(actor);
  if (scope.kind !== 'lab' || !can(actor, 'apiToken.manage', { labId: scope.labId })) return [];
  return await listTokensOfLab(db, scope.labId);
}

/** What a hospital account has set up (for the administrator's page of that account): its live
 * verification tokens, its watches and its active webhook endpoints. Administrators only. */
export async function hospitalSetupOf(db: Conn, actor: Actor, userId: number) {
  if (!can(actor, 'regulator.manage')) throw new AppError('auth.forbidden');
  const now = Date.now();
  const [tokens, watches, endpoints] = await Promise.all([listTokensOfOwner(db, userId), listWatches(db, userId), listEndpoints(db, userId)]);
  return {
    liveTokens: tokens.filter((k) => !k.revokedAt && (k.expiresAt === null || k.expiresAt > now)).length,
    watches: watches.length,
    activeEndpoints: endpoints.filter((e) => e.active).length,
  };
}

// Read models of the places LabQC knows, for pages: regions and laboratories, each read within the
// actor's data scope (scopeOf), so a page that forgets a check still reads nothing outside it.
import type { Conn } from '@/db/client';
import { jurisdictionCounts } from '@/db/queries/counts';
import { findLabByCode, findLabScope, labRegionsWithin, listLabs, type LabListFilter } from '@/db/queries/labs';
import { findRegionByCode, listRegions } from '@/db/queries/regions';
import { pageLabs, LAB_SORTS, type LabSort } from '@/db/queries/lists';
import type { PageRequest } from '@/db/queries/paging';
import { publicRegionNamesEn } from '@/db/queries/public';
import { ALL_DATA, can, scopeIncludes, scopeOf, type Actor } from '@/lib/auth/core';
import { AppError } from '@/lib/errors';

/** The regions inside the actor's scope (a regulator's subtree, every region for an admin), in path order. */
export async function regionsInScope(db: Conn, actor: Actor) {
  return await listRegions(db, scopeOf(actor));
}

/** The actor's own region (a regulator's jurisdiction root), if any. */
export async function ownRegion(db: Conn, actor: Actor) {
  return actor.regionCode ? await findRegionByCode(db, actor.regionCode) : undefined;
}

/** A region by code if it lies inside the actor's scope (undefined otherwise: it is not theirs to see). */
export async function regionInScope(db: Conn, actor: Actor, code: string) {
  const region = await findRegionByCode(db, code);
  return region && scopeIncludes(scopeOf(actor), { regionPath: region.path }) ? region : undefined;
}

/** Every region: the public register's filter and names (no account needed). */
export async function publicRegions(db: Conn) {
  return await listRegions(db, ALL_DATA);
}

/** English region names by code, for the public pages. */
export { publicRegionNamesEn };

/** The laboratories of the actor's scope, filtered and paged in SQL; 403 without `lab.read`. */
export async function labsInScope(db: Conn, actor: Actor, filter: Omit<LabListFilter, 'scope'> = {}) {
  if (!can(actor, 'lab.read')) throw new AppError('auth.forbidden');
  return await listLabs(db, { ...filter, scope: scopeOf(actor) });
}

export { LAB_SORTS, type LabSort };

/** One page of the laboratories of the actor's scope (sorted, filtered and counted in SQL). */
export function labsPageInScope(db: Conn, actor: Actor, filter: Parameters<typeof pageLabs>[2], req: PageRequest<LabSort>) {
  if (!can(actor, 'lab.read')) throw new AppError('auth.forbidden');
  return pageLabs(db, scopeOf(actor), filter, req);
}

/** The regions the labs of the actor's scope sit in (the lab list's city filter). */
export async function labRegionsInScope(db: Conn, actor: Actor) {
  return await labRegionsWithin(db, scopeOf(actor));
}

/**
 * A laboratory by code with its region, for a page to authorize against (requirePage with
 * `{ labId, regionPath }`) before it reads anything of the lab: it returns the lab's own row only.
 */
export async function labByCode(db: Conn, code: string) {
  return await findLabByCode(db, code);
}

/** The resource scope of the actor's own lab ({ labId, regionPath }), for can(). */
export async function ownLabScope(db: Conn, actor: Actor) {
  const scope = scopeOf(actor);
  return scope.kind === 'lab' ? await findLabScope(db, scope.labId) : undefined;
}

/** Headline counts (labs, regions, users, analytes) of the actor's scope. */
export async function countsInScope(db: Conn, actor: Actor) {
  return await jurisdictionCounts(db, scopeOf(actor));
}

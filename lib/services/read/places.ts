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
export function regionsInScope(db: Conn, actor: Actor) {
  return listRegions(db, scopeOf(actor));
}

/** The actor's own region (a regulator's jurisdiction root), if any. */
export function ownRegion(db: Conn, actor: Actor) {
  return actor.regionCode ? findRegionByCode(db, actor.regionCode) : undefined;
}

/** A region by code if it lies inside the actor's scope (undefined otherwise: it is not theirs to see). */
export function regionInScope(db: Conn, actor: Actor, code: string) {
  const region = findRegionByCode(db, code);
  return region && scopeIncludes(scopeOf(actor), { regionPath: region.path }) ? region : undefined;
}

/** Every region: the public register's filter and names (no account needed). */
export function publicRegions(db: Conn) {
  return listRegions(db, ALL_DATA);
}

/** English region names by code, for the public pages. */
export { publicRegionNamesEn };

/** The laboratories of the actor's scope, filtered and paged in SQL; 403 without `lab.read`. */
export function labsInScope(db: Conn, actor: Actor, filter: Omit<LabListFilter, 'scope'> = {}) {
  if (!can(actor, 'lab.read')) throw new AppError('auth.forbidden');
  return listLabs(db, { ...filter, scope: scopeOf(actor) });
}

export { LAB_SORTS, type LabSort };

/** One page of the laboratories of the actor's scope (sorted, filtered and counted in SQL). */
export function labsPageInScope(db: Conn, actor: Actor, filter: Parameters<typeof pageLabs>[2], req: PageRequest<LabSort>) {
  if (!can(actor, 'lab.read')) throw new AppError('auth.forbidden');
  return pageLabs(db, scopeOf(actor), filter, req);
}

/** The regions the labs of the actor's scope sit in (the lab list's city filter). */
export function labRegionsInScope(db: Conn, actor: Actor) {
  return labRegionsWithin(db, scopeOf(actor));
}

/**
 * A laboratory by code with its region, for a page to authorize against (requirePage with
 * `{ labId, regionPath }`) before it reads anything of the lab: it returns the lab's own row only.
 */
export function labByCode(db: Conn, code: string) {
  return findLabByCode(db, code);
}

/** The resource scope of the actor's own lab ({ labId, regionPath }), for can(). */
export function ownLabScope(db: Conn, actor: Actor) {
  const scope = scopeOf(actor);
  return scope.kind === 'lab' ? findLabScope(db, scope.labId) : undefined;
}

/** Headline counts (labs, regions, users, analytes) of the actor's scope. */
export function countsInScope(db: Conn, actor: Actor) {
  return jurisdictionCounts(db, scopeOf(actor));
}

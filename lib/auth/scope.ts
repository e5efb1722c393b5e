// What an actor may read, decided once: every list and read query takes a DataScope and puts it in
// its SQL (db/queries/scope.ts), so a page that forgets a check still cannot leak another lab's data.
import type { Actor } from './actor';

/** The rows an actor may read: everything, a region's subtree, one lab, or nothing. */
export type DataScope =
  | { kind: 'all' }
  | { kind: 'region'; path: string }
  | { kind: 'lab'; labId: number }
  | { kind: 'none' };

export const NO_DATA: DataScope = Object.freeze({ kind: 'none' });

/** Every row: the administrator's scope, and the public register (active labs and their
 * certifications, readable without an account) and system jobs that work on every lab. */
export const ALL_DATA: DataScope = Object.freeze({ kind: 'all' });

/** A region's subtree (a job or a form working on one region's labs, e.g. a scheme's region). */
export function regionScope(path: string): DataScope {
  return { kind: 'region', path };
}

/** The data scope of an actor: admin all; regulator their region subtree; lab manager their lab;
 * anyone else (hospital, public, a user without a lab or region) none. */
export function scopeOf(actor: Actor | null | undefined): DataScope {
  if (!actor) return NO_DATA;
  switch (actor.role) {
    case 'admin':
      return { kind: 'all' };
    case 'regulator':
      return actor.regionPath ? { kind: 'region', path: actor.regionPath } : NO_DATA;
    case 'lab_manager':
      return actor.labId != null ? { kind: 'lab', labId: actor.labId } : NO_DATA;
    default:
      return NO_DATA;
  }
}

/** Whether a lab (its id and its region's path) lies inside a data scope; a region-owned resource
 * (no lab id) lies inside a region scope containing it, never inside a lab scope. */
export function scopeIncludes(scope: DataScope, lab: { labId?: number | null; regionPath: string }): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'region':
      return lab.regionPath.startsWith(scope.path);
    case 'lab':
      return lab.labId != null && lab.labId === scope.labId;
    case 'none':
      return false;
  }
}

import { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from './permissions';
import type { Actor, Scope } from './actor';

/** Whether `path` lies inside the jurisdiction rooted at `root` (itself or a sub-region). */
export function withinRegion(path: string | undefined | null, root: string | null): boolean {
  return !!path && !!root && path.startsWith(root);
}

/**
 * The one authorization decision of LabQC, used by the UI (to show or hide) and by every service
 * (to refuse). Pure: the caller passes the resource's lab id and region path.
 *
 * - the role must hold the permission;
 * - without a scope, that is all (navigation: "may this role use this feature at all?");
 * - admin acts everywhere; a regulator only inside their region's subtree; a lab manager only on
 *   their own lab; lab-scoped permissions need a lab, region-scoped ones a region.
 */
export function can(actor: Actor | null | undefined, permission: Permission, scope?: Scope): boolean {
  if (!actor) return false;
  if (!ROLE_PERMISSIONS[actor.role].includes(permission)) return false;
  if (!scope) return true;
  if (actor.role === 'admin') return true;
  if (PERMISSIONS[permission].scope === 'global') return true;

  switch (actor.role) {
    case 'regulator':
      return withinRegion(scope.regionPath, actor.regionPath);
    case 'lab_manager':
      return scope.labId !== undefined && scope.labId === actor.labId;
    default:
      return false;
  }
}

// The navigation of each role's area, filtered by can(): a link shows only when its permission holds.
import type { Role } from '@/db/enums';
import { can, type Actor, type Permission } from '@/lib/auth/core';

export interface NavItem {
  href: string;
  /** key in the `common.nav` namespace */
  label: string;
  permission: Permission;
  roles: readonly Role[];
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/admin', label: 'adminHome', permission: 'region.manage', roles: ['admin'] },
  { href: '/admin/regions', label: 'regions', permission: 'region.manage', roles: ['admin'] },
  { href: '/admin/regulators', label: 'regulators', permission: 'regulator.manage', roles: ['admin'] },
  { href: '/admin/accounts', label: 'accounts', permission: 'regulator.manage', roles: ['admin'] },
  { href: '/admin/analytes', label: 'analytes', permission: 'analyte.manage', roles: ['admin'] },
  { href: '/admin/calendar', label: 'calendar', permission: 'calendar.manage', roles: ['admin'] },
  { href: '/regulator', label: 'regulatorHome', permission: 'overview.read', roles: ['regulator'] },
  { href: '/regulator/labs', label: 'labs', permission: 'lab.manage', roles: ['regulator'] },
  { href: '/regulator/users', label: 'labUsers', permission: 'labUser.manage', roles: ['regulator'] },
  { href: '/regulator/import', label: 'registryImport', permission: 'registry.import', roles: ['regulator'] },
  { href: '/regulator/eqa', label: 'eqa', permission: 'eqaScheme.manage', roles: ['regulator'] },
  { href: '/regulator/recognition', label: 'recognition', permission: 'certification.decide', roles: ['regulator'] },
  { href: '/regulator/policy', label: 'policy', permission: 'policy.manage', roles: ['regulator'] },
  { href: '/regulator/calendar', label: 'calendar', permission: 'calendar.manage', roles: ['regulator'] },
  { href: '/regulator/overview', label: 'overview', permission: 'overview.read', roles: ['regulator'] },
  { href: '/regulator/platform/mapping', label: 'platform', permission: 'localCode.manage', roles: ['regulator'] },
  { href: '/lab', label: 'labHome', permission: 'iqc.read', roles: ['lab_manager'] },
  { href: '/lab/iqc', label: 'iqc', permission: 'iqc.write', roles: ['lab_manager'] },
  { href: '/lab/eqa', label: 'eqa', permission: 'eqaSubmission.write', roles: ['lab_manager'] },
  { href: '/lab/eligibility', label: 'eligibility', permission: 'eligibility.read', roles: ['lab_manager'] },
  { href: '/lab/tokens', label: 'tokens', permission: 'apiToken.manage', roles: ['lab_manager'] },
  { href: '/hospital', label: 'hospitalHome', permission: 'certification.read', roles: ['hospital'] },
  { href: '/audit', label: 'audit', permission: 'audit.read', roles: ['admin', 'regulator'] },
  { href: '/verify', label: 'verify', permission: 'certification.read', roles: ['admin', 'regulator', 'lab_manager', 'hospital'] },
];

export function navFor(actor: Actor | null): NavItem[] {
  if (!actor) return [];
  return NAV_ITEMS.filter((i) => i.roles.includes(actor.role) && can(actor, i.permission));
}

/** Where each role lands after signing in. */
export const HOME_BY_ROLE: Record<Role, string> = {
  admin: '/admin',
  regulator: '/regulator',
  lab_manager: '/lab',
  hospital: '/hospital',
};

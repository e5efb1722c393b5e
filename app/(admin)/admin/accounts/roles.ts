import { CENTRAL_ROLES } from '@/lib/validation/admin';

export type CentralRole = (typeof CENTRAL_ROLES)[number];

/** The role a list shows: ?role=admin, anything else the hospitals (the list most often wanted). */
export function centralRoleOf(value: string | undefined): CentralRole {
  return value === 'admin' ? 'admin' : 'hospital';
}

// The pure half of lib/auth (no next-auth, no Next.js): safe to import from services, scripts,
// tests and client components.
export { can, withinRegion } from './can';
export type { Actor, Scope } from './actor';
export { scopeOf, scopeIncludes, regionScope, ALL_DATA, NO_DATA, type DataScope } from './scope';
export { PERMISSIONS, PERMISSION_NAMES, ROLE_PERMISSIONS, type Permission } from './permissions';

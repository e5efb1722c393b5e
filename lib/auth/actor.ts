import type { Role, TokenScope } from '@/db/enums';

/** Who is acting: a signed-in user (session) or a lab's LIS (API token, acting as its creator). */
export interface Actor {
  userId: number;
  email: string;
  name: string;
  role: Role;
  labId: number | null;
  labCode: string | null;
  regionId: number | null;
  regionCode: string | null;
  /** Materialised path of the user's region (`/100000/440000/`), for jurisdiction checks. */
  regionPath: string | null;
  via: 'session' | 'token' | 'system';
  /** a temporary password is still in use: pages send the user to change it, actions refuse */
  mustChangePassword?: boolean;
  /** set when the actor is an API token (via 'token'): which token, and what it may do */
  token?: { id: number; scopes: readonly TokenScope[] };
}

/** What a permission is checked against. A lab resource gives its lab id and its region's path. */
export interface Scope {
  labId?: number;
  regionPath?: string;
}

// Accounts: lists scoped by jurisdiction in SQL, and the writes of the account services.
import { and, asc, eq, inArray, isNull, like, or, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { apiTokens, laboratories, regions, users, type User } from '../schema';
import type { Role } from '../enums';
import { affectedRows, first } from '@/db/dialect';

/** An account without its password hash: what lists, pages and version snapshots may hold. */
const publicColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  labId: users.labId,
  regionId: users.regionId,
  active: users.active,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  deactivatedAt: users.deactivatedAt,
  mustChangePassword: users.mustChangePassword,
};

export type PublicUser = Omit<User, 'passwordHash' | 'locale' | 'sessionVersion' | 'passwordChangedAt'>;

export async function findUserById(db: Conn, id: number) {
  return first(await db.select(publicColumns).from(users).where(eq(users.id, id)).limit(1));
}

export async function findUserIdByEmail(db: Conn, email: string) {
  return first(await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1))?.id;
}

/** Ids of accounts that already use any of these emails. */
export async function existingEmails(db: Conn, emails: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < emails.length; i += 500) {
    for (const r of await db.select({ email: users.email }).from(users).where(inArray(users.email, emails.slice(i, i + 500)))) out.add(r.email);
  }
  return out;
}

/** A user with what authorization needs about the account itself: its lab's and region's path. */
export async function findUserScope(db: Conn, id: number) {
  return first(await db
    .select({
      user: publicColumns,
      labCode: laboratories.code,
      labName: laboratories.name,
      regionCode: regions.code,
      regionName: regions.name,
      regionNameEn: regions.nameEn,
      regionPath: regions.path,
    })
    .from(users)
    .leftJoin(laboratories, eq(laboratories.id, users.labId))
    .leftJoin(regions, eq(regions.id, sql`coalesce(${users.regionId}, ${laboratories.regionId})`))
    .where(eq(users.id, id)).limit(1));
}

export interface UserListFilter {
  role: Role;
  /** the reader's scope: accounts whose lab (lab managers) or region (regulators) lies in it */
  scope: DataScope;
  q?: string;
  labCode?: string;
  activeOnly?: boolean;
  limit?: number;
  offset?: number;
}

export async function listUsers(db: Conn, f: UserListFilter) {
  const conds: (SQL | undefined)[] = [eq(users.role, f.role)];
  conds.push(scopeWhere(f.scope, users.labId, regions.path));
  if (f.labCode) conds.push(eq(laboratories.code, f.labCode));
  if (f.activeOnly) conds.push(eq(users.active, true));
  if (f.q) {
    const q = `%${f.q.replace(/[%_]/g, '')}%`;
    conds.push(or(like(users.email, q), like(users.name, q), like(laboratories.code, q)));
  }
  return await db
    .select({
      ...publicColumns,
      labCode: laboratories.code,
      labName: laboratories.name,
      regionCode: regions.code,
      regionName: regions.name,
      regionNameEn: regions.nameEn,
    })
    .from(users)
    .leftJoin(laboratories, eq(laboratories.id, users.labId))
    .leftJoin(regions, eq(regions.id, sql`coalesce(${users.regionId}, ${laboratories.regionId})`))
    .where(and(...conds))
    .orderBy(asc(regions.path), asc(laboratories.code), asc(users.email))
    .limit(f.limit ?? 500)
    .offset(f.offset ?? 0);
}

/** A new account; its password is a temporary one to change at first sign-in unless `mustChangePassword`
 * is false (demo accounts, an administrator's own bootstrap password). */
export async function insertUser(
  db: Conn,
  v: { email: string; name: string; role: Role; passwordHash: string; labId: number | null; regionId: number | null; mustChangePassword?: boolean },
  now: number,
) {
  return (await db
    .insert(users)
    .values({ ...v, mustChangePassword: v.mustChangePassword ?? true, createdAt: now, updatedAt: now })
    .returning(publicColumns))[0];
}

/** A new password for an account: raises its session version (every session signed before ends). */
export async function setUserPassword(db: Conn, id: number, v: { passwordHash: string; mustChangePassword: boolean }, now: number) {
  return (await db
    .update(users)
    .set({ ...v, sessionVersion: sql`${users.sessionVersion} + 1`, passwordChangedAt: now, updatedAt: now })
    .where(eq(users.id, id))
    .returning({ sessionVersion: users.sessionVersion }))[0];
}

/** Store a stronger hash of the same password (sign-in upgrade), unless the password changed meanwhile. */
export async function setPasswordHashIfUnchanged(db: Conn, id: number, oldHash: string, newHash: string): Promise<void> {
  await db.update(users).set({ passwordHash: newHash }).where(and(eq(users.id, id), eq(users.passwordHash, oldHash)));
}

/** What a password change needs about the account itself. */
export async function findPasswordRow(db: Conn, id: number) {
  return first(await db
    .select({ id: users.id, email: users.email, passwordHash: users.passwordHash, labId: users.labId, regionId: users.regionId, sessionVersion: users.sessionVersion })
    .from(users)
    .where(eq(users.id, id)).limit(1));
}

export async function updateUserRow(
  db: Conn,
  id: number,
  v: Partial<{ email: string; name: string; labId: number | null; regionId: number | null; passwordHash: string; active: boolean; deactivatedAt: number | null }>,
  now: number,
) {
  await db.update(users).set({ ...v, updatedAt: now }).where(eq(users.id, id));
}

/** End every session of these accounts, or of the accounts of a lab, signed so far (their session
 * version rises): a deactivation, so that a reactivation does not revive a session signed before it. */
export async function endSessions(db: Conn, of: { userId: number } | { labId: number }): Promise<void> {
  await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where('userId' in of ? eq(users.id, of.userId) : eq(users.labId, of.labId));
}

/** Revoke every live token of a user (deactivation); returns how many were revoked. */
export async function revokeTokensOfUser(db: Conn, userId: number, now: number): Promise<number> {
  return affectedRows(await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))));
}

import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { apiTokens, laboratories, regions, users } from '../schema';
import { first } from '@/db/dialect';

/** A user with what authorization needs: their lab and region, and the region's path. */
export async function findActorRowByUserId(db: Conn, userId: number) {
  return first(await actorRows(db).where(eq(users.id, userId)).limit(1));
}

export async function findActorRowByEmail(db: Conn, email: string) {
  return first(await actorRows(db).where(eq(users.email, email)).limit(1));
}

/** The columns of an actor: the user, their lab, and the region of their jurisdiction. */
const actorColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  active: users.active,
  passwordHash: users.passwordHash,
  mustChangePassword: users.mustChangePassword,
  sessionVersion: users.sessionVersion,
  labId: users.labId,
  labCode: laboratories.code,
  labActive: laboratories.active,
  regionId: regions.id,
  regionCode: regions.code,
  regionPath: regions.path,
};

// a lab manager's jurisdiction is their lab's region; a regulator's is their own region
const jurisdiction = () => eq(regions.id, sql`coalesce(${users.regionId}, ${laboratories.regionId})`);

function actorRows(db: Conn) {
  return db.select(actorColumns).from(users).leftJoin(laboratories, eq(laboratories.id, users.labId)).leftJoin(regions, jurisdiction()).$dynamic();
}

/** The live token with that hash and its user (one read: every LIS request runs it), or undefined
 * when revoked or unknown. */
export async function findTokenActorRow(db: Conn, tokenHash: string) {
  return first(await db
    .select({
      tokenId: apiTokens.id,
      tokenLabId: apiTokens.labId,
      userId: apiTokens.userId,
      lastUsedAt: apiTokens.lastUsedAt,
      scopes: apiTokens.scopes,
      expiresAt: apiTokens.expiresAt,
      user: actorColumns,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(laboratories, eq(laboratories.id, users.labId))
    .leftJoin(regions, jurisdiction())
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt))).limit(1));
}

export async function touchToken(db: Conn, tokenId: number, at: number) {
  await db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, tokenId));
}

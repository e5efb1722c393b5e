// API tokens of a lab's LIS. Only the SHA-256 of a token is stored (lib/auth/tokens.ts).
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import type { Conn } from '../client';
import { apiTokens, users } from '../schema';
import type { TokenScope } from '../enums';

/** The tokens of a lab, newest first, without their hashes. */
export function listTokensOfLab(db: Conn, labId: number) {
  return db
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
      scopes: apiTokens.scopes,
      expiresAt: apiTokens.expiresAt,
      createdBy: users.email,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.labId, labId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
    .all();
}

export function findTokenById(db: Conn, id: number) {
  return db
    .select({ id: apiTokens.id, labId: apiTokens.labId, userId: apiTokens.userId, name: apiTokens.name, prefix: apiTokens.prefix, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.id, id))
    .get();
}

export function insertToken(
  db: Conn,
  v: { labId: number; userId: number; name: string; prefix: string; tokenHash: string; scopes: TokenScope[]; expiresAt: number | null },
  now: number,
) {
  return db.insert(apiTokens).values({ ...v, createdAt: now }).returning({ id: apiTokens.id }).get();
}

/** Mark a token revoked (only if still live); returns whether it changed. */
export function revokeToken(db: Conn, id: number, now: number): boolean {
  return db.update(apiTokens).set({ revokedAt: now }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt))).run().changes > 0;
}

/** Live (not revoked) tokens created by a user. */
export function countLiveTokensOfUser(db: Conn, userId: number): number {
  return db.select({ n: count() }).from(apiTokens).where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))).get()?.n ?? 0;
}

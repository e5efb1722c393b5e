// API tokens of a lab's LIS. Only the SHA-256 of a token is stored (lib/auth/tokens.ts).
import { and, count, desc, eq, isNull } from 'drizzle-orm';
import type { Conn } from '../client';
import { apiTokens, users } from '../schema';
import type { TokenScope } from '../enums';
import { affectedRows, first } from '@/db/dialect';

/** The tokens of a lab, newest first, without their hashes. */
export async function listTokensOfLab(db: Conn, labId: number) {
  return await db
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
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

export async function findTokenById(db: Conn, id: number) {
  return first(await db
    .select({ id: apiTokens.id, labId: apiTokens.labId, userId: apiTokens.userId, name: apiTokens.name, prefix: apiTokens.prefix, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.id, id)).limit(1));
}

export async function insertToken(
  db: Conn,
  v: { labId: number; userId: number; name: string; prefix: string; tokenHash: string; scopes: TokenScope[]; expiresAt: number | null },
  now: number,
) {
  return (await db.insert(apiTokens).values({ ...v, createdAt: now }).returning({ id: apiTokens.id }))[0];
}

/** Mark a token revoked (only if still live); returns whether it changed. */
export async function revokeToken(db: Conn, id: number, now: number): Promise<boolean> {
  return affectedRows(await db.update(apiTokens).set({ revokedAt: now }).where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))) > 0;
}

/** Live (not revoked) tokens created by a user. */
export async function countLiveTokensOfUser(db: Conn, userId: number): Promise<number> {
  return first(await db.select({ n: count() }).from(apiTokens).where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt))).limit(1))?.n ?? 0;
}

import { and, desc, eq } from 'drizzle-orm';
import type { Conn } from '../client';
import { entityVersions, users } from '../schema';

/** The versions of an entity, newest first, with the email of who made each change. */
export async function listEntityVersionsWithAuthor(db: Conn, entityType: string, entityId: number) {
  return await db
    .select({
      id: entityVersions.id,
      version: entityVersions.version,
      data: entityVersions.data,
      reason: entityVersions.reason,
      changedAt: entityVersions.changedAt,
      changedByEmail: users.email,
    })
    .from(entityVersions)
    .leftJoin(users, eq(users.id, entityVersions.changedBy))
    .where(and(eq(entityVersions.entityType, entityType), eq(entityVersions.entityId, entityId)))
    .orderBy(desc(entityVersions.version));
}

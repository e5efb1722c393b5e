import { and, desc, eq } from 'drizzle-orm';
import type { Conn } from '../client';
import { entityVersions } from '../schema';
import { first } from '@/db/dialect';

/** Keep the state of an entity before an edit: the next version number for that entity. */
export async function snapshotEntity(db: Conn, entityType: string, entityId: number, data: unknown, changedBy: number | null, reason: string | null, at = Date.now()) {
  const last = first(await db
    .select({ v: entityVersions.version })
    .from(entityVersions)
    .where(and(eq(entityVersions.entityType, entityType), eq(entityVersions.entityId, entityId)))
    .orderBy(desc(entityVersions.version))
    .limit(1));
  await db.insert(entityVersions)
    .values({ entityType, entityId, version: (last?.v ?? 0) + 1, data: data as never, reason, changedBy, changedAt: at });
}

export async function listEntityVersions(db: Conn, entityType: string, entityId: number) {
  return await db
    .select()
    .from(entityVersions)
    .where(and(eq(entityVersions.entityType, entityType), eq(entityVersions.entityId, entityId)))
    .orderBy(desc(entityVersions.version));
}

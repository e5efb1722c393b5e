import { asc, eq, like } from 'drizzle-orm';
import type { Conn } from '../client';
import { regions } from '../schema';

export function findRegionByCode(db: Conn, code: string) {
  return db.select().from(regions).where(eq(regions.code, code)).get();
}

export function findRegionById(db: Conn, id: number) {
  return db.select().from(regions).where(eq(regions.id, id)).get();
}

/** The region and all its sub-regions (or every region for `null`). */
export function listRegions(db: Conn, withinPath: string | null = null) {
  return db
    .select()
    .from(regions)
    .where(withinPath ? like(regions.path, `${withinPath}%`) : undefined)
    .orderBy(asc(regions.path))
    .all();
}

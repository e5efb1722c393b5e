import { asc, eq, like } from 'drizzle-orm';
import type { Conn } from '../client';
import { regions, type Region } from '../schema';

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

export function insertRegion(db: Conn, v: Pick<Region, 'code' | 'name' | 'nameEn' | 'level' | 'parentId' | 'path'>, now: number) {
  return db.insert(regions).values({ ...v, createdAt: now, updatedAt: now }).returning().get();
}

export function updateRegionNames(db: Conn, id: number, v: { name: string; nameEn: string }, now: number) {
  db.update(regions).set({ ...v, updatedAt: now }).where(eq(regions.id, id)).run();
}

/** All regions by code (imports resolve region codes against this once). */
export function regionsByCode(db: Conn): Map<string, Region> {
  return new Map(db.select().from(regions).all().map((r) => [r.code, r]));
}

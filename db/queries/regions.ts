import { asc, eq } from 'drizzle-orm';
import type { Conn } from '../client';
import { ALL_DATA, type DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { regions, type Region } from '../schema';

export function findRegionByCode(db: Conn, code: string) {
  return db.select().from(regions).where(eq(regions.code, code)).get();
}

export function findRegionById(db: Conn, id: number) {
  return db.select().from(regions).where(eq(regions.id, id)).get();
}

/** The regions of a scope: a region and all its sub-regions, every region (all), none for a lab. */
export function listRegions(db: Conn, scope: DataScope = ALL_DATA) {
  return db
    .select()
    .from(regions)
    .where(scopeWhere(scope, null, regions.path))
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

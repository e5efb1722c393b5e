import { asc, eq } from 'drizzle-orm';
import type { Conn } from '../client';
import { ALL_DATA, type DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { regions, type Region } from '../schema';
import { first } from '@/db/dialect';

export async function findRegionByCode(db: Conn, code: string) {
  return first(await db.select().from(regions).where(eq(regions.code, code)).limit(1));
}

export async function findRegionById(db: Conn, id: number) {
  return first(await db.select().from(regions).where(eq(regions.id, id)).limit(1));
}

/** The regions of a scope: a region and all its sub-regions, every region (all), none for a lab. */
export async function listRegions(db: Conn, scope: DataScope = ALL_DATA) {
  return await db
    .select()
    .from(regions)
    .where(scopeWhere(scope, null, regions.path))
    .orderBy(asc(regions.path));
}

export async function insertRegion(db: Conn, v: Pick<Region, 'code' | 'name' | 'nameEn' | 'level' | 'parentId' | 'path'>, now: number) {
  return (await db.insert(regions).values({ ...v, createdAt: now, updatedAt: now }).returning())[0];
}

export async function updateRegionNames(db: Conn, id: number, v: { name: string; nameEn: string }, now: number) {
  await db.update(regions).set({ ...v, updatedAt: now }).where(eq(regions.id, id));
}

/** All regions by code (imports resolve region codes against this once). */
export async function regionsByCode(db: Conn): Promise<Map<string, Region>> {
  return new Map((await db.select().from(regions)).map((r) => [r.code, r]));
}

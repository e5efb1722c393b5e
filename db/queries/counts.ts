import { count, eq, and } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { analytes, laboratories, regions, users } from '../schema';
import { first } from '@/db/dialect';

/** Headline counts for a scope: its active labs and regions (users and analytes are national). */
export async function jurisdictionCounts(db: Conn, scope: DataScope) {
  const inRegion = scopeWhere(scope, null, regions.path);
  const labs = first(await db
    .select({ n: count() })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(eq(laboratories.active, true), scopeWhere(scope, laboratories.id, regions.path))).limit(1))!.n;
  const regionCount = first(await db.select({ n: count() }).from(regions).where(inRegion).limit(1))!.n;
  const userCount = first(await db.select({ n: count() }).from(users).where(eq(users.active, true)).limit(1))!.n;
  const analyteCount = first(await db.select({ n: count() }).from(analytes).where(eq(analytes.active, true)).limit(1))!.n;
  return { labs, regions: regionCount, users: userCount, analytes: analyteCount };
}

import { count, eq, and } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { analytes, laboratories, regions, users } from '../schema';

/** Headline counts for a scope: its active labs and regions (users and analytes are national). */
export function jurisdictionCounts(db: Conn, scope: DataScope) {
  const inRegion = scopeWhere(scope, null, regions.path);
  const labs = db
    .select({ n: count() })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(eq(laboratories.active, true), scopeWhere(scope, laboratories.id, regions.path)))
    .get()!.n;
  const regionCount = db.select({ n: count() }).from(regions).where(inRegion).get()!.n;
  const userCount = db.select({ n: count() }).from(users).where(eq(users.active, true)).get()!.n;
  const analyteCount = db.select({ n: count() }).from(analytes).where(eq(analytes.active, true)).get()!.n;
  return { labs, regions: regionCount, users: userCount, analytes: analyteCount };
}

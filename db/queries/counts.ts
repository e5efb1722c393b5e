import { count, eq, like, and } from 'drizzle-orm';
import type { Conn } from '../client';
import { analytes, laboratories, regions, users } from '../schema';

/** Headline counts for a jurisdiction (all of them when `regionPath` is null). */
export function jurisdictionCounts(db: Conn, regionPath: string | null) {
  const inRegion = regionPath ? like(regions.path, `${regionPath}%`) : undefined;
  const labs = db
    .select({ n: count() })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(eq(laboratories.active, true), inRegion))
    .get()!.n;
  const regionCount = db.select({ n: count() }).from(regions).where(inRegion).get()!.n;
  const userCount = db.select({ n: count() }).from(users).where(eq(users.active, true)).get()!.n;
  const analyteCount = db.select({ n: count() }).from(analytes).where(eq(analytes.active, true)).get()!.n;
  return { labs, regions: regionCount, users: userCount, analytes: analyteCount };
}

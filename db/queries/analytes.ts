import { asc, eq } from 'drizzle-orm';
import type { Conn } from '../client';
import { analytes } from '../schema';

export function listAnalytes(db: Conn, opts: { activeOnly?: boolean } = {}) {
  return db
    .select()
    .from(analytes)
    .where(opts.activeOnly ? eq(analytes.active, true) : undefined)
    .orderBy(asc(analytes.category), asc(analytes.code))
    .all();
}

export function findAnalyteByCode(db: Conn, code: string) {
  return db.select().from(analytes).where(eq(analytes.code, code)).get();
}

export function findAnalyteById(db: Conn, id: number) {
  return db.select().from(analytes).where(eq(analytes.id, id)).get();
}

/** code → id for every analyte: imports resolve codes against this once, not per row. */
export function analyteIdsByCode(db: Conn): Map<string, number> {
  return new Map(db.select({ id: analytes.id, code: analytes.code }).from(analytes).all().map((a) => [a.code, a.id]));
}

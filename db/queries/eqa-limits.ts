// Concentration-dependent allowable limits of analytes (analyte_limit_ranges) and the bulk update of
// the unsuccessful flags when a round is published.
// PostgreSQL: the same statements as raw SQL (booleans as 1/0 in the tuples on both).
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Conn, DB } from '../client';
import { analyteLimitRanges } from '../schema';
import { ascNullsFirst, asInt, boolAsInt, dialectOf, first, rawRun, rawTuples } from '@/db/dialect';
import { arrayParam } from '../pg/array-param';

export type LimitRangeRow = typeof analyteLimitRanges.$inferSelect;

/** The concentration ranges of these analytes, by analyte, lowest range first. */
export async function limitRangesOf(db: Conn, analyteIds: readonly number[]): Promise<Map<number, LimitRangeRow[]>> {
  const out = new Map<number, LimitRangeRow[]>();
  if (!analyteIds.length) return out;
  const rows = await db
    .select()
    .from(analyteLimitRanges)
    .where(inArray(analyteLimitRanges.analyteId, [...analyteIds]))
    .orderBy(asc(analyteLimitRanges.analyteId), ascNullsFirst(analyteLimitRanges.fromValue));
  for (const r of rows) {
    const list = out.get(r.analyteId);
    if (list) list.push(r);
    else out.set(r.analyteId, [r]);
  }
  return out;
}

/** Replace the ranges of one analyte. */
export async function replaceLimitRanges(db: Conn, analyteId: number, rows: Omit<typeof analyteLimitRanges.$inferInsert, 'analyteId' | 'id'>[]) {
  await db.delete(analyteLimitRanges).where(eq(analyteLimitRanges.analyteId, analyteId));
  if (rows.length) await db.insert(analyteLimitRanges).values(rows.map((r) => ({ ...r, analyteId })));
}

/** Whether an analyte already has ranges (the seed adds them once). */
export async function hasLimitRanges(db: Conn, analyteId: number, source: string): Promise<boolean> {
  return !!first(await db
    .select({ id: analyteLimitRanges.id })
    .from(analyteLimitRanges)
    .where(and(eq(analyteLimitRanges.analyteId, analyteId), eq(analyteLimitRanges.source, source))).limit(1));
}

/**
 * Scores of the counting evaluation of every evaluated or published round of a scheme, in round
 * order: [scoreId, roundId, published (1/0), labId, analyteId, verdict, unsuccessful]. For the
 * recomputation of the unsuccessful flags after a publication.
 */
export async function schemeScoresInOrder(db: DB, schemeId: number): Promise<Iterable<[number, number, number, number, number, 'satisfactory' | 'unsatisfactory', number]>> {
  if (dialectOf(db) === 'pg')
    return await rawTuples<[number, number, number, number, number, 'satisfactory' | 'unsatisfactory', number]>(
      db,
      sql`select s.id, r.id, ${asInt(sql`e.status = 'published'`)}, s.lab_id, s.analyte_id, s.verdict, ${boolAsInt(sql`s.unsuccessful`)}
         from eqa_rounds r
         join eqa_evaluations e on e.id = (select e2.id from eqa_evaluations e2 where e2.round_id = r.id and e2.status in ('complete', 'published')
                                            order by (e2.status = 'published') desc, e2.version desc limit 1)
         join eqa_analyte_scores s on s.evaluation_id = e.id
        where r.scheme_id = ${schemeId} and r.status in ('evaluated', 'published')
        order by r.closes_at, r.id`,
    );
  return db.$client
    .prepare(
      `select s.id, r.id, e.status = 'published', s.lab_id, s.analyte_id, s.verdict, s.unsuccessful
         from eqa_rounds r
         join eqa_evaluations e on e.id = (select e2.id from eqa_evaluations e2 where e2.round_id = r.id and e2.status in ('complete', 'published')
                                            order by (e2.status = 'published') desc, e2.version desc limit 1)
         join eqa_analyte_scores s on s.evaluation_id = e.id
        where r.scheme_id = ? and r.status in ('evaluated', 'published')
        order by r.closes_at, r.id`,
    )
    .raw(true)
    .iterate(schemeId) as IterableIterator<[number, number, number, number, number, 'satisfactory' | 'unsatisfactory', number]>;
}

/** Set the unsuccessful flag of score rows (ids). */
export async function setUnsuccessful(db: DB, ids: readonly number[], value: boolean) {
  if (dialectOf(db) === 'pg') {
    if (ids.length) await rawRun(db, sql`update eqa_analyte_scores set unsuccessful = ${value} where id = ANY(${arrayParam([...ids])}::bigint[])`);
    return;
  }
  const stmt = db.$client.prepare('update eqa_analyte_scores set unsuccessful = ? where id = ?');
  for (const id of ids) stmt.run(value ? 1 : 0, id);
}

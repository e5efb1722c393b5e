// The regulator's recognition queue one page at a time: eligible pairs to approve and certified
// pairs to review, scoped in SQL by the actor's DataScope, filtered, sorted by a key with an index
// behind it (labs_code_uq, analytes_code_uq, regions_path_idx, eligibility_results_*), and counted.
// Id lists, booleans and the planner hints (INDEXED BY, SQLite only) go through db/dialect.ts.
import { and, eq, inArray, like, or, sql, type Column, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { analytes, certifications, eligibilityResults, laboratories, regions } from '../schema';
import { scopeWhere } from './scope';
import { limitOffset, orderFor, textFilter, type Page, type PageRequest } from './paging';
import type { CriterionLine } from './recognition';
import { boolAsInt, inIdList, isTrue, rawAll, rawGet } from '@/db/dialect';

export const QUEUE_SORTS = ['lab', 'city', 'analyte', 'computed'] as const;
/** the approval list is counted up to this many pairs (the pager then says "100,000+") */
export const COUNT_CAP = 100_000;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export interface QueuePageFilter {
  cityCode?: string;
  labId?: number;
  /** one laboratory by its code (an unknown code matches nothing) */
  labCode?: string;
  /** the review list: flagged certifications only */
  flaggedOnly?: boolean;
  analyteId?: number;
  /** rejections newer than this hold a pair out of the approval list */
  rejectHoldSince: number;
  /** today (China): a certification whose validity ended before it holds no pair out, expired or not yet marked so */
  today: string;
}

const cols = {
  labId: laboratories.id,
  labCode: laboratories.code,
  labName: laboratories.name,
  regionName: regions.name,
  regionNameEn: regions.nameEn,
  regionCode: regions.code,
  regionPath: regions.path,
  analyteId: analytes.id,
  analyteCode: analytes.code,
  analyteNameEn: analytes.nameEn,
  analyteNameZh: analytes.nameZh,
  eligible: eligibilityResults.eligible,
  criteria: eligibilityResults.criteria,
  computedAt: eligibilityResults.computedAt,
};

const SORTS: Record<QueueSort, unknown[]> = {
  city: [regions.path, laboratories.code, analytes.code],
  lab: [laboratories.code, analytes.code],
  analyte: [analytes.code, laboratories.code],
  computed: [eligibilityResults.computedAt, laboratories.code, analytes.code],
};

/** The filters over a pair's lab, region and test (`test`: the pair's analyte id column). `region`
 * says whether they read the lab's region (a count leaves regions out otherwise). */
async function where(db: Conn, scope: DataScope, f: QueuePageFilter, q: string, test: Column) {
  const conds = [
    scopeWhere(scope, laboratories.id, regions.path),
    f.cityCode ? like(regions.path, `%/${f.cityCode}/%`) : undefined,
    f.labId ? eq(laboratories.id, f.labId) : undefined,
    f.labCode ? eq(laboratories.code, f.labCode) : undefined,
    f.analyteId ? eq(test, f.analyteId) : undefined,
    eq(laboratories.active, true),
    await textMatch(db, q, test),
  ];
  return { conds, region: scope.kind === 'region' || !!f.cityCode };
}

/** The filter text (matched in lab codes and names, test codes and names) as the labs and the tests
 * it names, looked up first: `lab IN (…) OR test IN (…)`, a side left out when it names none. The
 * same rows as matching every pair's five columns, but the list is reached from the few labs or
 * tests named instead of testing every eligible pair. */
async function textMatch(db: Conn, q: string, test: Column): Promise<SQL | undefined> {
  if (!q.trim()) return undefined;
  const labIds = await db.select({ id: laboratories.id }).from(laboratories).where(textFilter(q, [laboratories.code, laboratories.name]));
  const testIds = await db.select({ id: analytes.id }).from(analytes).where(textFilter(q, [analytes.code, analytes.nameEn, analytes.nameZh]));
  const among = (col: unknown, ids: { id: number }[]) => (ids.length ? inIdList(col, ids.map((r) => r.id)) : undefined);
  const parts = [among(laboratories.id, labIds), among(test, testIds)].filter((p) => p !== undefined);
  return parts.length ? or(...parts) : sql`0 = 1`;
}

/** The approval list's tables in the order that walks its sort's indexes (SQLite keeps the order
 * of a CROSS JOIN, and INDEXED BY keeps the planner from trading the order for an automatic index):
 * e.g. regions by path, their labs, the tests by code, each pair's verdict looked up by (lab, test)
 * last. A page then stops after its rows instead of sorting every eligible pair of the nation. */
const WALKS: Record<QueueSort, SQL> = {
  city: sql.raw(`"regions" INDEXED BY regions_path_idx CROSS JOIN "laboratories" INDEXED BY labs_region_idx CROSS JOIN "analytes" INDEXED BY analytes_code_uq CROSS JOIN "eligibility_results"`),
  lab: sql.raw(`"laboratories" INDEXED BY labs_code_uq CROSS JOIN "regions" CROSS JOIN "analytes" INDEXED BY analytes_code_uq CROSS JOIN "eligibility_results"`),
  analyte: sql.raw(`"analytes" INDEXED BY analytes_code_uq CROSS JOIN "laboratories" INDEXED BY labs_code_uq CROSS JOIN "regions" CROSS JOIN "eligibility_results"`),
  computed: sql.raw(`"eligibility_results" INDEXED BY eligibility_results_computed_idx CROSS JOIN "laboratories" CROSS JOIN "regions" CROSS JOIN "analytes"`),
};
const JOINED = and(eq(laboratories.id, eligibilityResults.labId), eq(regions.id, laboratories.regionId), eq(analytes.id, eligibilityResults.analyteId));

/** SELECT `fields` FROM a walk written by hand (the query builder has no INDEXED BY), each value
 * decoded by its column as the builder would (booleans, JSON); NULL stays NULL (a LEFT JOIN). */
async function walked<F extends Record<string, Column>>(db: Conn, fields: F, from: SQL, where: SQL | undefined, order: SQL[], limit: number, offset: number) {
  const raw = await rawAll<Record<string, unknown>>(db, sql`
    SELECT ${sql.join(Object.entries(fields).map(([k, c]) => sql`${c} AS ${sql.identifier(k)}`), sql`, `)}
    FROM ${from} WHERE ${where ?? sql`1 = 1`}
    ORDER BY ${sql.join(order, sql`, `)} LIMIT ${limit} OFFSET ${offset}`);
  return raw.map((r) => Object.fromEntries(Object.entries(fields).map(([k, c]) => [k, r[k] === null ? null : c.mapFromDriverValue(r[k])]))) as {
    [K in keyof F]: F[K]['_']['data'];
  }[];
}

const criteriaOf = <R extends { criteria: unknown }>(r: R) => ({ ...r, criteria: (r.criteria ?? []) as CriterionLine[] });

/** One page of eligible pairs without a live certification and not recently rejected. */
export async function pageQueueToApprove(db: Conn, scope: DataScope, f: QueuePageFilter, req: PageRequest<QueueSort>) {
  const w = await where(db, scope, f, req.q, eligibilityResults.analyteId);
  const cond = and(
    eq(eligibilityResults.eligible, true),
    ...w.conds,
    sql`NOT EXISTS (SELECT 1 FROM certifications c WHERE c.lab_id = ${eligibilityResults.labId} AND c.analyte_id = ${eligibilityResults.analyteId} AND c.status IN ('active', 'suspended') AND c.valid_to >= ${f.today})`,
    // the few recent rejections, gathered once (a lookup per pair would cost more than the pair)
    sql`${eligibilityResults.id} NOT IN (SELECT held.id FROM certification_events ev JOIN eligibility_results held ON held.lab_id = ev.lab_id AND held.analyte_id = ev.analyte_id
         WHERE ev.action = 'reject' AND ev.at >= ${f.rejectHoldSince})`,
  );
  const { limit, offset } = limitOffset(req);
  const rows = await walked(db, cols, WALKS[req.sort] ?? WALKS.city, and(JOINED, cond), orderFor(SORTS, req), limit, offset);
  // counted up to COUNT_CAP: a nation's queue holds more pairs than anyone pages through, and an
  // exact count of half a million rows would cost more than the page itself. The count reads only
  // the tables its filters need: labs and their verdicts, the labs' regions first when the scope or
  // a city asks (so that a province counts its own labs only).
  const from = w.region
    ? sql`"regions" INDEXED BY regions_path_idx CROSS JOIN "laboratories" INDEXED BY labs_region_idx CROSS JOIN "eligibility_results" WHERE ${eq(regions.id, laboratories.regionId)} AND`
    : sql`"laboratories" CROSS JOIN "eligibility_results" WHERE`;
  const upTo = async (where: SQL | undefined, cap: number) =>
    (await rawGet<{ n: number }>(db, sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${from} ${eq(laboratories.id, eligibilityResults.labId)} AND ${where} LIMIT ${cap + 1}) AS capped`))!.n;
  // A cheaper bound first: each live certification and each recent rejection holds at most one pair
  // out, so eligible pairs of the filter beyond COUNT_CAP + their number mean "over the cap" without
  // looking up a single pair's certifications.
  const { slack } = (await rawGet<{ slack: number }>(db, sql`
    SELECT (SELECT count(*) FROM certifications WHERE status IN ('active', 'suspended'))
         + (SELECT count(*) FROM certification_events WHERE action = 'reject' AND at >= ${f.rejectHoldSince}) AS slack`))!;
  if (await upTo(and(eq(eligibilityResults.eligible, true), ...w.conds), COUNT_CAP + slack) > COUNT_CAP + slack) return { rows: rows.map(criteriaOf), total: COUNT_CAP, more: true } satisfies Page<unknown>;
  const n = await upTo(cond, COUNT_CAP);
  return { rows: rows.map(criteriaOf), total: Math.min(n, COUNT_CAP), more: n > COUNT_CAP } satisfies Page<unknown>;
}

/** The review list's walks: as the approval list's, with each lab's live certifications in place
 * of its verdicts (the verdict, if any, looked up last). Sorted by verdict time, the review list is
 * walked region first and sorted whole (a certification may have no verdict). */
const VERDICT = sql.raw(`LEFT JOIN "eligibility_results" ON "eligibility_results"."lab_id" = "certifications"."lab_id" AND "eligibility_results"."analyte_id" = "certifications"."analyte_id"`);
const REVIEW_WALKS: Record<QueueSort, SQL> = {
  city: sql`${sql.raw(`"regions" INDEXED BY regions_path_idx CROSS JOIN "laboratories" INDEXED BY labs_region_idx CROSS JOIN "certifications" CROSS JOIN "analytes"`)} ${VERDICT}`,
  lab: sql`${sql.raw(`"laboratories" INDEXED BY labs_code_uq CROSS JOIN "regions" CROSS JOIN "certifications" CROSS JOIN "analytes"`)} ${VERDICT}`,
  analyte: sql`${sql.raw(`"analytes" INDEXED BY analytes_code_uq CROSS JOIN "laboratories" INDEXED BY labs_code_uq CROSS JOIN "certifications" CROSS JOIN "regions"`)} ${VERDICT}`,
  computed: sql`${sql.raw(`"regions" INDEXED BY regions_path_idx CROSS JOIN "laboratories" INDEXED BY labs_region_idx CROSS JOIN "certifications" CROSS JOIN "analytes"`)} ${VERDICT}`,
};
// a certification without a verdict sorts as the oldest verdict on both backends (SQLite puts NULLs
// first ascending, PostgreSQL last), so a page holds the same rows on either
const REVIEW_SORTS: Record<QueueSort, unknown[]> = { ...SORTS, computed: [sql`coalesce(${eligibilityResults.computedAt}, -1)`, laboratories.code, analytes.code] };
const CERT_JOINED = and(eq(laboratories.id, certifications.labId), eq(regions.id, laboratories.regionId), eq(analytes.id, certifications.analyteId));
const reviewCols = {
  ...cols,
  certificationId: certifications.id,
  status: certifications.status,
  mark: certifications.mark,
  certificateNo: certifications.certificateNo,
  validFrom: certifications.validFrom,
  validTo: certifications.validTo,
  flagged: certifications.flagged,
  flagReason: certifications.flagReason,
};

/** One page of live certifications that need a look (flagged, active but no longer eligible, every
 * suspended one: eligible again to reinstate, or still not to revoke); flagged first within every sort. The flagged and the other
 * certifications are walked one after the other, each in the sort's order, so that a page stops
 * after its rows. */
export async function pageQueueToReview(db: Conn, scope: DataScope, f: QueuePageFilter, req: PageRequest<QueueSort>) {
  const { limit, offset } = limitOffset(req);
  const w = await where(db, scope, f, req.q, certifications.analyteId);
  // "eligible" as a lookup of the covering (test, eligible, lab) index: no verdict counts as not eligible
  const eligible = sql`EXISTS (SELECT 1 FROM eligibility_results v INDEXED BY eligibility_results_analyte_idx WHERE v.analyte_id = ${certifications.analyteId} AND ${isTrue(sql`v.eligible`)} AND v.lab_id = ${certifications.labId})`;
  const cond = and(
    inArray(certifications.status, ['active', 'suspended']),
    ...w.conds,
    f.flaggedOnly ? eq(certifications.flagged, true) : undefined,
    sql`(${isTrue(certifications.flagged)}
         OR (${certifications.status} = 'active' AND NOT ${eligible})
         OR ${certifications.status} = 'suspended')`,
  );
  const from = w.region
    ? sql`"regions" INDEXED BY regions_path_idx CROSS JOIN "laboratories" INDEXED BY labs_region_idx CROSS JOIN "certifications" WHERE ${eq(regions.id, laboratories.regionId)} AND`
    : sql`"certifications" CROSS JOIN "laboratories" WHERE`;
  const count = (await rawGet<{ n: number; flagged: number | null }>(db, sql`
    SELECT count(*) AS n, sum(${boolAsInt(certifications.flagged)}) AS flagged FROM ${from} ${eq(laboratories.id, certifications.labId)} AND ${cond}`))!;
  const flagged = count.flagged ?? 0;
  const walk = REVIEW_WALKS[req.sort] ?? REVIEW_WALKS.city;
  const order = orderFor(REVIEW_SORTS, req);
  const first = Math.min(limit, Math.max(0, flagged - offset));
  const rows = [
    ...(first > 0 ? await walked(db, reviewCols, walk, and(CERT_JOINED, cond, eq(certifications.flagged, true)), order, first, offset) : []),
    ...(limit - first > 0 ? await walked(db, reviewCols, walk, and(CERT_JOINED, cond, eq(certifications.flagged, false)), order, limit - first, Math.max(0, offset - flagged)) : []),
  ];
  return { rows: rows.map(criteriaOf), total: count.n } satisfies Page<unknown>;
}

// The regulator's recognition queue one page at a time: eligible pairs to approve and certified
// pairs to review, scoped in SQL by the actor's DataScope, filtered, sorted by a key with an index
// behind it (labs_code_uq, analytes_code_uq, regions_path_idx, eligibility_results_*), and counted.
import { and, eq, inArray, like, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { analytes, certifications, eligibilityResults, laboratories, regions } from '../schema';
import { scopeWhere } from './scope';
import { limitOffset, orderFor, textFilter, type Page, type PageRequest } from './paging';
import type { CriterionLine } from './recognition';

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
}

const cols = {
  labId: laboratories.id,
  labCode: laboratories.code,
  labName: laboratories.name,
  regionName: regions.name,
  regionNameEn: regions.nameEn,
  regionCode: regions.code,
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

function where(scope: DataScope, f: QueuePageFilter, q: string): (SQL | undefined)[] {
  return [
    scopeWhere(scope, laboratories.id, regions.path),
    f.cityCode ? like(regions.path, `%/${f.cityCode}/%`) : undefined,
    f.labId ? eq(laboratories.id, f.labId) : undefined,
    f.labCode ? eq(laboratories.code, f.labCode) : undefined,
    f.analyteId ? eq(analytes.id, f.analyteId) : undefined,
    eq(laboratories.active, true),
    textFilter(q, [laboratories.code, laboratories.name, analytes.code, analytes.nameEn, analytes.nameZh]),
  ];
}

const criteriaOf = <R extends { criteria: unknown }>(r: R) => ({ ...r, criteria: (r.criteria ?? []) as CriterionLine[] });

/** One page of eligible pairs without a live certification and not recently rejected. */
export function pageQueueToApprove(db: Conn, scope: DataScope, f: QueuePageFilter, req: PageRequest<QueueSort>) {
  const cond = and(
    eq(eligibilityResults.eligible, true),
    ...where(scope, f, req.q),
    sql`NOT EXISTS (SELECT 1 FROM certifications c WHERE c.lab_id = ${eligibilityResults.labId} AND c.analyte_id = ${eligibilityResults.analyteId} AND c.status IN ('active', 'suspended'))`,
    sql`NOT EXISTS (SELECT 1 FROM certification_events ev WHERE ev.lab_id = ${eligibilityResults.labId} AND ev.analyte_id = ${eligibilityResults.analyteId} AND ev.action = 'reject' AND ev.at >= ${f.rejectHoldSince})`,
  );
  const base = <S extends Record<string, unknown>>(select: S) =>
    db
      .select(select as never)
      .from(eligibilityResults)
      .innerJoin(laboratories, eq(laboratories.id, eligibilityResults.labId))
      .innerJoin(regions, eq(regions.id, laboratories.regionId))
      .innerJoin(analytes, eq(analytes.id, eligibilityResults.analyteId))
      .where(cond);
  const { limit, offset } = limitOffset(req);
  const rows = base(cols).orderBy(...orderFor(SORTS, req)).limit(limit).offset(offset).all() as unknown as QueueRow[];
  // counted up to COUNT_CAP: a nation's queue holds more pairs than anyone pages through, and an
  // exact count of half a million rows would cost more than the page itself
  const sub = (base({ one: sql<number>`1`.as('one') }) as unknown as { limit: (n: number) => { as: (a: string) => never } }).limit(COUNT_CAP + 1).as('m');
  const n = (db.select({ n: sql<number>`count(*)` }).from(sub).get() as { n: number } | undefined)?.n ?? 0;
  return { rows: rows.map(criteriaOf), total: Math.min(n, COUNT_CAP), more: n > COUNT_CAP } satisfies Page<unknown>;
}

type QueueRow = { [K in keyof typeof cols]: (typeof cols)[K]['_']['data'] };

/** One page of live certifications that need a look (flagged, active but no longer eligible,
 * suspended and eligible again); flagged first within every sort. */
export function pageQueueToReview(db: Conn, scope: DataScope, f: QueuePageFilter, req: PageRequest<QueueSort>) {
  const { limit, offset } = limitOffset(req);
  const cond = and(
    inArray(certifications.status, ['active', 'suspended']),
    ...where(scope, f, req.q),
    f.flaggedOnly ? eq(certifications.flagged, true) : undefined,
    sql`(${certifications.flagged} = 1
         OR (${certifications.status} = 'active' AND coalesce(${eligibilityResults.eligible}, 0) = 0)
         OR (${certifications.status} = 'suspended' AND ${eligibilityResults.eligible} = 1))`,
  );
  const count = db
    .select({ n: sql<number>`count(*)` })
    .from(certifications)
    .innerJoin(laboratories, eq(laboratories.id, certifications.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .innerJoin(analytes, eq(analytes.id, certifications.analyteId))
    .leftJoin(eligibilityResults, and(eq(eligibilityResults.labId, certifications.labId), eq(eligibilityResults.analyteId, certifications.analyteId)))
    .where(cond)
    .get();
  const rows = db
    .select({
      ...cols,
      certificationId: certifications.id,
      status: certifications.status,
      mark: certifications.mark,
      certificateNo: certifications.certificateNo,
      validFrom: certifications.validFrom,
      validTo: certifications.validTo,
      flagged: certifications.flagged,
      flagReason: certifications.flagReason,
    })
    .from(certifications)
    .innerJoin(laboratories, eq(laboratories.id, certifications.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .innerJoin(analytes, eq(analytes.id, certifications.analyteId))
    .leftJoin(eligibilityResults, and(eq(eligibilityResults.labId, certifications.labId), eq(eligibilityResults.analyteId, certifications.analyteId)))
    .where(cond)
    .orderBy(sql`${certifications.flagged} DESC`, ...orderFor(SORTS, req))
    .limit(limit)
    .offset(offset)
    .all();
  return { rows: rows.map(criteriaOf), total: count?.n ?? 0 } satisfies Page<unknown>;
}

// Mutual recognition: policies, the evidence the eligibility engine reads (IQC and EQA tables
// written by other parts), stored verdicts, certifications and their events. All SQL of the
// recognition services lives here; scoped reads take the jurisdiction's region path.
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import {
  analytes,
  certifications,
  eligibilityResults,
  laboratories,
  recognitionPolicies,
  regions,
} from '../schema';
import { dialectOf, first, rawAll } from '@/db/dialect';
import { lockAppendOrder } from '@/db/pg/audit-chain';

export { findLatestCertification, findLiveCertification, findCertificationById, maxCertificateNo, insertCertification, updateCertification, insertCertificationEvent, lastEffectiveDay, listCertificationEvents, certificationsPastValidity, activeUnflaggedCertifications, activeCertificationsOfInactiveLabs, listCertificationsForLab } from './certifications';
export { eqaScoresForLabs, eligibilityPairsForLabs, overdueRejectedRuns, type EqaScoreRow } from './recognition-evidence';

// ---------------------------------------------------------------------------------------------
// Policies

export type PolicyRow = typeof recognitionPolicies.$inferSelect & { regionCode: string; regionName: string; regionPath: string; regionLevel: string };

/** Every version of every policy, with its region (a few hundred rows even nationally). */
export async function listAllPolicies(db: Conn): Promise<PolicyRow[]> {
  return (await db
    .select({ p: recognitionPolicies, regionCode: regions.code, regionName: regions.name, regionPath: regions.path, regionLevel: regions.level })
    .from(recognitionPolicies)
    .innerJoin(regions, eq(regions.id, recognitionPolicies.regionId))
    .orderBy(asc(regions.path), desc(recognitionPolicies.effectiveFrom), desc(recognitionPolicies.version)))
    .map((r) => ({ ...r.p, regionCode: r.regionCode, regionName: r.regionName, regionPath: r.regionPath, regionLevel: r.regionLevel }));
}

/** Policies of the regions on a lab's (or region's) path: itself and its ancestors. */
export async function listPoliciesOnPath(db: Conn, path: string): Promise<PolicyRow[]> {
  return await listPoliciesOnPaths(db, [path]);
}

/** Policies of the regions on any of the paths (a page of the queue: its labs' regions). */
export async function listPoliciesOnPaths(db: Conn, paths: readonly string[]): Promise<PolicyRow[]> {
  const codes = [...new Set(paths.flatMap((path) => path.split('/').filter(Boolean)))];
  if (!codes.length) return [];
  return (await db
    .select({ p: recognitionPolicies, regionCode: regions.code, regionName: regions.name, regionPath: regions.path, regionLevel: regions.level })
    .from(recognitionPolicies)
    .innerJoin(regions, eq(regions.id, recognitionPolicies.regionId))
    .where(inArray(regions.code, codes))
    .orderBy(desc(regions.path), desc(recognitionPolicies.effectiveFrom), desc(recognitionPolicies.version)))
    .map((r) => ({ ...r.p, regionCode: r.regionCode, regionName: r.regionName, regionPath: r.regionPath, regionLevel: r.regionLevel }));
}

export async function nextPolicyVersion(db: Conn, regionId: number): Promise<number> {
  const r = first(await db
    .select({ v: sql<number>`coalesce(max(${recognitionPolicies.version}), 0)` })
    .from(recognitionPolicies)
    .where(eq(recognitionPolicies.regionId, regionId)).limit(1));
  return (r?.v ?? 0) + 1;
}

export async function insertPolicy(db: Conn, values: typeof recognitionPolicies.$inferInsert) {
  // PostgreSQL: ids in commit order, the policy cache's stamp (db/pg/audit-chain.ts)
  if (dialectOf(db) === 'pg') await lockAppendOrder(db);
  return (await db.insert(recognitionPolicies).values(values).returning())[0];
}

// ---------------------------------------------------------------------------------------------
// Labs and analytes the engine works on

export async function labsWithin(db: Conn, f: { scope: DataScope; labIds?: number[] }) {
  const conds: (SQL | undefined)[] = [eq(laboratories.active, true), scopeWhere(f.scope, laboratories.id, regions.path)];
  if (f.labIds) conds.push(f.labIds.length ? inArray(laboratories.id, f.labIds) : sql`1 = 0`);
  return await db
    .select({ id: laboratories.id, code: laboratories.code, regionPath: regions.path })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(...conds))
    .orderBy(asc(laboratories.id));
}

export async function analyteSpecs(db: Conn) {
  return await db
    .select({ id: analytes.id, code: analytes.code, kind: analytes.kind, nameEn: analytes.nameEn, nameZh: analytes.nameZh, allowableCvPercent: analytes.allowableCvPercent })
    .from(analytes);
}

// ---------------------------------------------------------------------------------------------
// Stored verdicts

export interface CriterionLine {
  key: string;
  met: boolean;
  figure: string | number | null;
  /** threshold the figure is compared with, for display */
  target?: string | number | null;
  evidence?: { kind: 'eqa_round' | 'iqc_month' | 'corrective_action'; ref: string; href: string } | null;
  /** the CV criterion: every instrument × lot × level group of the window, evaluable or not */
  groups?: CvGroup[];
  /** false for a criterion that does not apply to the item's kind (then `met` is true and the line
   * is shown as not applicable: the CV criterion of a qualitative, ordinal or nominal item) */
  applicable?: false;
  /** IQC coverage of a qualitative, ordinal or nominal item: the rule (a negative and a positive
   * control; for nominal items controls of two known categories) and the working days of the window
   * with a negative control, with a positive control, and covered by the rule */
  controls?: { rule: 'negativeAndPositive' | 'twoKnownCategories'; workingDays: number; negativeDays: number; positiveDays: number; coveredDays: number };
}

/** One control group of the CV criterion: `cv` in percent as reported (2 decimals), null when the
 * group has fewer values than the criterion needs; `met` null for a group that is not evaluable. */
export interface CvGroup {
  instrument: string;
  lot: string;
  level: string;
  n: number;
  cv: number | null;
  met: boolean | null;
}

export async function upsertEligibility(
  db: Conn,
  rows: { labId: number; analyteId: number; policyId: number | null; eligible: boolean; criteria: CriterionLine[]; computedAt: number }[],
) {
  for (const r of rows) {
    await db.insert(eligibilityResults)
      .values({ ...r, criteria: r.criteria as never })
      .onConflictDoUpdate({
        target: [eligibilityResults.labId, eligibilityResults.analyteId],
        set: { policyId: r.policyId, eligible: r.eligible, criteria: r.criteria as never, computedAt: r.computedAt },
      });
  }
}

export async function findEligibility(db: Conn, labId: number, analyteId: number) {
  return first(await db
    .select()
    .from(eligibilityResults)
    .where(and(eq(eligibilityResults.labId, labId), eq(eligibilityResults.analyteId, analyteId))).limit(1));
}

/** A lab's verdicts with the analyte and any live certification (its own page). */
export async function listEligibilityForLab(db: Conn, labId: number) {
  return (await db
    .select({
      analyteId: analytes.id,
      analyteCode: analytes.code,
      analyteNameEn: analytes.nameEn,
      analyteNameZh: analytes.nameZh,
      eligible: eligibilityResults.eligible,
      criteria: eligibilityResults.criteria,
      computedAt: eligibilityResults.computedAt,
      certStatus: certifications.status,
      mark: certifications.mark,
      validTo: certifications.validTo,
    })
    .from(eligibilityResults)
    .innerJoin(analytes, eq(analytes.id, eligibilityResults.analyteId))
    .leftJoin(
      certifications,
      and(eq(certifications.labId, eligibilityResults.labId), eq(certifications.analyteId, eligibilityResults.analyteId), inArray(certifications.status, ['active', 'suspended'])),
    )
    .where(eq(eligibilityResults.labId, labId))
    .orderBy(desc(eligibilityResults.eligible), asc(analytes.code)))
    .map((r) => ({ ...r, criteria: (r.criteria ?? []) as CriterionLine[] }));
}

/** Labs graded in a round (its latest non-superseded evaluation) and whether each pair is unsuccessful. */
/** Score rows by id with their round (the rows a publication made unsuccessful). */
export async function scoresByIds(db: Conn, ids: readonly number[]) {
  type Row = { labId: number; analyteId: number; unsuccessful: number; roundCode: string; roundId: number };
  const out: Row[] = [];
  // in chunks: under both backends' bound-parameter limits
  for (let i = 0; i < ids.length; i += 5000) {
    out.push(...await rawAll<Row>(db, sql`
      SELECT s.lab_id AS labId, s.analyte_id AS analyteId, s.unsuccessful AS unsuccessful, r.code AS roundCode, r.id AS roundId
      FROM eqa_analyte_scores s JOIN eqa_rounds r ON r.id = s.round_id
      WHERE s.id IN (${sql.join(ids.slice(i, i + 5000).map((id) => sql`${id}`), sql`, `)})`));
  }
  return out;
}

export async function roundScores(db: Conn, roundId: number) {
  return await rawAll<{ labId: number; analyteId: number; unsuccessful: number; roundCode: string }>(db, sql`
    SELECT s.lab_id AS labId, s.analyte_id AS analyteId, s.unsuccessful AS unsuccessful, r.code AS roundCode
    FROM eqa_analyte_scores s JOIN eqa_rounds r ON r.id = s.round_id
    WHERE s.round_id = ${roundId}
      AND s.evaluation_id = (
        SELECT e.id FROM eqa_evaluations e
        WHERE e.round_id = s.round_id AND e.status IN ('published', 'complete')
        ORDER BY (e.status = 'published') DESC, e.version DESC LIMIT 1)`);
}

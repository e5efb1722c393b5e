// EQA reads and writes: schemes, enrolments, rounds, samples, reference values and submissions.
// Evaluation's bulk statements live in eqa-evaluation.ts, report reads in eqa-reports.ts.
import { and, asc, desc, eq, inArray, isNull, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import {
  analytes,
  eqaEnrollments,
  eqaEvaluations,
  eqaReferenceValues,
  eqaRounds,
  eqaSamples,
  eqaSchemeAnalytes,
  eqaSchemes,
  laboratories,
  regions,
} from '../schema';
import type { RoundStatus } from '../enums';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { affectedRows, dialectOf, first, rawAll, stringAgg } from '@/db/dialect';

// ---------------------------------------------------------------------------------------------
// Schemes

export async function findSchemeByCode(db: Conn, code: string) {
  return first(await db
    .select({ scheme: eqaSchemes, regionPath: regions.path, regionCode: regions.code })
    .from(eqaSchemes)
    .innerJoin(regions, eq(regions.id, eqaSchemes.regionId))
    .where(eq(eqaSchemes.code, code)).limit(1));
}

export async function findSchemeById(db: Conn, id: number) {
  return first(await db
    .select({ scheme: eqaSchemes, regionPath: regions.path, regionCode: regions.code })
    .from(eqaSchemes)
    .innerJoin(regions, eq(regions.id, eqaSchemes.regionId))
    .where(eq(eqaSchemes.id, id)).limit(1));
}

export async function insertScheme(db: Conn, values: typeof eqaSchemes.$inferInsert) {
  return (await db.insert(eqaSchemes).values(values).returning())[0];
}

export async function insertSchemeAnalytes(db: Conn, rows: (typeof eqaSchemeAnalytes.$inferInsert)[]) {
  if (rows.length) await db.insert(eqaSchemeAnalytes).values(rows);
}

/** The analytes of a scheme with the grading limits that apply (scheme override, else catalogue TEa). */
export async function schemeAnalytes(db: Conn, schemeId: number) {
  return await db
    .select({
      analyteId: analytes.id,
      code: analytes.code,
      nameEn: analytes.nameEn,
      nameZh: analytes.nameZh,
      unit: analytes.unit,
      kind: analytes.kind,
      categories: analytes.categories,
      percent: eqaSchemeAnalytes.percent,
      absolute: eqaSchemeAnalytes.absolute,
      limitForm: eqaSchemeAnalytes.limitForm,
      threshold: eqaSchemeAnalytes.threshold,
      minScore: eqaSchemeAnalytes.minScore,
      teaPercent: analytes.teaPercent,
      teaAbsolute: analytes.teaAbsolute,
      teaForm: analytes.teaForm,
      teaAbsoluteAtOrBelow: analytes.teaAbsoluteAtOrBelow,
    })
    .from(eqaSchemeAnalytes)
    .innerJoin(analytes, eq(analytes.id, eqaSchemeAnalytes.analyteId))
    .where(eq(eqaSchemeAnalytes.schemeId, schemeId))
    .orderBy(asc(analytes.code));
}

/** Schemes run by a region inside the scope (a lab scope runs none). */
export async function listSchemes(db: Conn, scope: DataScope) {
  return await db
    .select({
      id: eqaSchemes.id,
      code: eqaSchemes.code,
      name: eqaSchemes.name,
      nameEn: eqaSchemes.nameEn,
      regionCode: regions.code,
      regionName: regions.name,
      regionNameEn: regions.nameEn,
      minRoundScore: eqaSchemes.minRoundScore,
      sigmaPtSource: eqaSchemes.sigmaPtSource,
      peerGrouping: eqaSchemes.peerGrouping,
      minPeerGroupSize: eqaSchemes.minPeerGroupSize,
      enrolled: sql<number>`(select count(*) from eqa_enrollments e where e.scheme_id = ${eqaSchemes.id} and e.withdrawn_at is null)`,
      analyteCount: sql<number>`(select count(*) from eqa_scheme_analytes a where a.scheme_id = ${eqaSchemes.id})`,
    })
    .from(eqaSchemes)
    .innerJoin(regions, eq(regions.id, eqaSchemes.regionId))
    .where(scope.kind === 'lab' ? sql`1 = 0` : scopeWhere(scope, null, regions.path))
    .orderBy(asc(eqaSchemes.code));
}

// ---------------------------------------------------------------------------------------------
// Enrolment

/** Active laboratories of a scope (id, code), for enrolling a whole region. */
export async function activeLabsWithin(db: Conn, scope: DataScope) {
  return await db
    .select({ id: laboratories.id, code: laboratories.code, regionPath: regions.path })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(scopeWhere(scope, laboratories.id, regions.path), eq(laboratories.active, true)))
    .orderBy(asc(laboratories.code));
}

export async function labsByCodes(db: Conn, codes: string[]) {
  if (!codes.length) return [];
  return await db
    .select({ id: laboratories.id, code: laboratories.code, regionPath: regions.path })
    .from(laboratories)
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(inArray(laboratories.code, codes));
}

/** Enrol labs (already enrolled ones stay as they are, a withdrawn one starts a new period); returns
 * how many were added. */
export async function insertEnrollments(db: Conn, schemeId: number, labIds: number[], at: number): Promise<number> {
  let added = 0;
  for (const labId of labIds) {
    // the open period's unique index turns a lab enrolled already into no row
    const r = await db.insert(eqaEnrollments).values({ schemeId, labId, enrolledAt: at }).onConflictDoNothing();
    added += affectedRows(r);
  }
  return added;
}

/** End the open period of each lab; returns the codes of those that had one. */
export async function withdrawEnrollments(db: Conn, schemeId: number, labs: { id: number; code: string }[], at: number): Promise<string[]> {
  if (!labs.length) return [];
  const ended = await db
    .update(eqaEnrollments)
    .set({ withdrawnAt: at })
    .where(and(eq(eqaEnrollments.schemeId, schemeId), inArray(eqaEnrollments.labId, labs.map((l) => l.id)), isNull(eqaEnrollments.withdrawnAt)))
    .returning({ labId: eqaEnrollments.labId });
  const ids = new Set(ended.map((e) => e.labId));
  return labs.filter((l) => ids.has(l.id)).map((l) => l.code);
}

/**
 * A period of enrolment that spans a round: enrolled before it closed (a lab enrolled later is not a
 * non-submitter of it) and not withdrawn before it opened (a lab withdrawn while it was open still
 * takes part: it may submit, and it is scored).
 */
function spansRound(opensAt: number | AnyColumn, closesAt: number | AnyColumn): SQL | undefined {
  return and(
    sql`${eqaEnrollments.enrolledAt} <= ${closesAt}`,
    or(isNull(eqaEnrollments.withdrawnAt), sql`${eqaEnrollments.withdrawnAt} > ${opensAt}`),
  );
}

/** Whether the lab takes part in a round of the scheme (see spansRound). */
export async function takesPart(db: Conn, schemeId: number, labId: number, round: { opensAt: number; closesAt: number }): Promise<boolean> {
  return !!first(await db
    .select({ labId: eqaEnrollments.labId })
    .from(eqaEnrollments)
    .where(and(eq(eqaEnrollments.schemeId, schemeId), eq(eqaEnrollments.labId, labId), spansRound(round.opensAt, round.closesAt))).limit(1));
}

/** Laboratories that take part in a round of the scheme (see spansRound), read from the scheme's
 * enrolments (distinct: a lab withdrawn and enrolled again within one round has two periods). */
export async function participantLabs(db: Conn, schemeId: number, opensAt: number, closesAt: number, scope: DataScope = { kind: 'all' }) {
  return await db
    .selectDistinct({ id: laboratories.id, code: laboratories.code, name: laboratories.name, regionPath: regions.path })
    .from(eqaEnrollments)
    .innerJoin(laboratories, eq(laboratories.id, eqaEnrollments.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(participating(schemeId, opensAt, closesAt, scope))
    .orderBy(asc(laboratories.code));
}

/** The enrolments of the scheme that span the round, of labs within the scope (laboratories and
 * regions joined). */
function participating(schemeId: number, opensAt: number, closesAt: number, scope: DataScope): SQL | undefined {
  return and(eq(eqaEnrollments.schemeId, schemeId), spansRound(opensAt, closesAt), scopeWhere(scope, laboratories.id, regions.path));
}

/** How many laboratories take part in a round (participantLabs without reading them). */
export async function countParticipantLabs(db: Conn, schemeId: number, opensAt: number, closesAt: number, scope: DataScope = { kind: 'all' }): Promise<number> {
  const row = first(await db
    .select({ n: sql<number>`count(distinct ${eqaEnrollments.labId})`.mapWith(Number) })
    .from(eqaEnrollments)
    .innerJoin(laboratories, eq(laboratories.id, eqaEnrollments.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(participating(schemeId, opensAt, closesAt, scope)));
  return row?.n ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Rounds

export async function findRoundByCode(db: Conn, code: string) {
  return first(await db
    .select({ round: eqaRounds, scheme: eqaSchemes, regionPath: regions.path })
    .from(eqaRounds)
    .innerJoin(eqaSchemes, eq(eqaSchemes.id, eqaRounds.schemeId))
    .innerJoin(regions, eq(regions.id, eqaSchemes.regionId))
    .where(eq(eqaRounds.code, code)).limit(1));
}

export async function insertRound(db: Conn, values: typeof eqaRounds.$inferInsert) {
  return (await db.insert(eqaRounds).values(values).returning())[0];
}

export async function insertSamples(db: Conn, roundId: number, codes: string[]) {
  return await db
    .insert(eqaSamples)
    .values(codes.map((code, i) => ({ roundId, code, ordinal: i + 1 })))
    .returning();
}

export async function insertReferenceValues(db: Conn, rows: (typeof eqaReferenceValues.$inferInsert)[]) {
  if (rows.length) await db.insert(eqaReferenceValues).values(rows);
}

export async function roundSamples(db: Conn, roundId: number) {
  return await db.select().from(eqaSamples).where(eq(eqaSamples.roundId, roundId)).orderBy(asc(eqaSamples.ordinal));
}

export async function roundReferenceValues(db: Conn, roundId: number) {
  return await db
    .select({ sampleId: eqaReferenceValues.sampleId, analyteId: eqaReferenceValues.analyteId, value: eqaReferenceValues.value, uncertainty: eqaReferenceValues.uncertainty, category: eqaReferenceValues.category })
    .from(eqaReferenceValues)
    .innerJoin(eqaSamples, eq(eqaSamples.id, eqaReferenceValues.sampleId))
    .where(eq(eqaSamples.roundId, roundId));
}

/**
 * PostgreSQL: a submission's transaction share-locks its round's row and reads the status and times
 * it has now, so a close (an update of the row) waits for the submissions under way, and the
 * evaluation after it reads them; a submission that waited for a close sees the round closed.
 * SQLite: undefined (its write transactions run one at a time already).
 */
export async function roundRowForSubmission(tx: Conn, roundId: number): Promise<{ status: RoundStatus; opensAt: number; closesAt: number } | undefined> {
  if (dialectOf(tx) !== 'pg') return undefined;
  return first(await rawAll<{ status: RoundStatus; opensAt: number; closesAt: number }>(tx, sql`SELECT status, opens_at AS "opensAt", closes_at AS "closesAt" FROM eqa_rounds WHERE id = ${roundId} FOR SHARE`));
}

export async function setRoundStatus(db: Conn, roundId: number, status: RoundStatus, extra: { publishedAt?: number; closesAt?: number } = {}) {
  await db.update(eqaRounds)
    .set({ status, ...extra })
    .where(eq(eqaRounds.id, roundId));
}

/**
 * The rounds a scope sees, as SQL: all; a region subtree sees schemes of regions inside it or
 * enrolling a lab inside it; a lab sees the non-draft rounds it takes part in; none nothing.
 * Also behind the paged rounds list (./lists.ts).
 */
export function visibilityCondition(scope: DataScope): SQL | undefined {
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'region':
      return or(
        scopeWhere(scope, null, regions.path),
        sql`exists (select 1 from eqa_enrollments e join laboratories l on l.id = e.lab_id join regions lr on lr.id = l.region_id
                    where e.scheme_id = ${eqaSchemes.id} and ${scopeWhere(scope, sql`l.id`, sql`lr.path`)})`,
      );
    case 'lab':
      return and(
        sql`${eqaRounds.status} <> 'draft'`,
        // the rounds it takes part in: not those before its enrolment, nor after a withdrawal
        sql`exists (select 1 from ${eqaEnrollments} where ${and(eq(eqaEnrollments.schemeId, eqaSchemes.id), eq(eqaEnrollments.labId, scope.labId), spansRound(eqaRounds.opensAt, eqaRounds.closesAt))})`,
      );
    case 'none':
      return scopeWhere(scope, null, null);
  }
}

/** Rounds a caller can see, newest first, with their samples and analytes as code lists. */
export async function listVisibleRounds(db: Conn, scope: DataScope, f: { schemeId?: number } = {}) {
  return (await db
    .select({
      id: eqaRounds.id,
      code: eqaRounds.code,
      status: eqaRounds.status,
      opensAt: eqaRounds.opensAt,
      closesAt: eqaRounds.closesAt,
      publishedAt: eqaRounds.publishedAt,
      schemeId: eqaSchemes.id,
      schemeCode: eqaSchemes.code,
      schemeName: eqaSchemes.name,
      schemeNameEn: eqaSchemes.nameEn,
      regionPath: regions.path,
      roundAnalytes: eqaRounds.analytes,
      samples: sql<string>`(select ${stringAgg(sql`code`, ',')} from (select code from eqa_samples s where s.round_id = ${eqaRounds.id} order by s.ordinal) o)`,
      analytes: sql<string>`(select ${stringAgg(sql`code`, ',')} from (select a.code from eqa_scheme_analytes sa join analytes a on a.id = sa.analyte_id where sa.scheme_id = ${eqaSchemes.id} order by a.code) o)`,
    })
    .from(eqaRounds)
    .innerJoin(eqaSchemes, eq(eqaSchemes.id, eqaRounds.schemeId))
    .innerJoin(regions, eq(regions.id, eqaSchemes.regionId))
    .where(and(visibilityCondition(scope), f.schemeId ? eq(eqaSchemes.id, f.schemeId) : undefined))
    .orderBy(desc(eqaRounds.opensAt), desc(eqaRounds.id)))
    .map(({ roundAnalytes, ...r }) => ({
      ...r,
      samples: r.samples ? r.samples.split(',') : [],
      analytes: roundAnalytes ? [...roundAnalytes].sort() : r.analytes ? r.analytes.split(',') : [],
    }));
}

/** Rounds of a scheme in time order (for performance history and the z chart across rounds). */
export async function schemeRoundsInOrder(db: Conn, schemeId: number) {
  return await db.select().from(eqaRounds).where(eq(eqaRounds.schemeId, schemeId)).orderBy(asc(eqaRounds.closesAt), asc(eqaRounds.id));
}

export { currentSubmissionsOfLab, submissionHistoryOfLab, supersedeSubmission, insertSubmissions, submittedLabCounts, labIqcTargets } from './eqa-submissions';

// ---------------------------------------------------------------------------------------------
// Evaluations (small reads; the bulk work is in eqa-evaluation.ts)

export async function evaluationsOfRound(db: Conn, roundId: number) {
  return await db.select().from(eqaEvaluations).where(eq(eqaEvaluations.roundId, roundId)).orderBy(desc(eqaEvaluations.version));
}

/** The evaluation that counts: the published one, else the latest complete one. */
export async function currentEvaluation(db: Conn, roundId: number) {
  return first(await db
    .select()
    .from(eqaEvaluations)
    .where(and(eq(eqaEvaluations.roundId, roundId), inArray(eqaEvaluations.status, ['complete', 'published'])))
    .orderBy(desc(eqaEvaluations.version)).limit(1));
}

export async function setEvaluationStatus(db: Conn, id: number, status: 'superseded' | 'published' | 'failed' | 'complete') {
  await db.update(eqaEvaluations).set({ status }).where(eq(eqaEvaluations.id, id));
}

// Report reads of an evaluated EQA round. Each takes the scope (one lab, or a region subtree) and
// puts it into SQL, so a report can never include labs the caller may not see.
import { and, asc, eq, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import {
  analytes,
  eqaAnalyteScores,
  eqaAssignedValues,
  eqaCategoryTargets,
  eqaEvaluations,
  eqaResultEvaluations,
  eqaRounds,
  eqaSamples,
  eqaSubmissions,
  eqaZBins,
  laboratories,
  regions,
} from '../schema';
import { boolAsInt, inIdList, rawAll } from '@/db/dialect';
import { pageOf, textFilter, type Page, type PageRequest, type RowOf } from './paging';

/** The labs whose rows are read: a DataScope (one lab, a region subtree, all or none) in SQL. */
function labCondition(scope: DataScope, labIdColumn: typeof eqaResultEvaluations.labId | typeof eqaAnalyteScores.labId): SQL {
  return scopeWhere(scope, labIdColumn, regions.path);
}

/** Graded results of an evaluation with their assigned value, peer group and lab. */
export async function evaluationResults(db: Conn, evaluationId: number, scope: DataScope, labIds?: readonly number[]) {
  return await db
    .select({
      labId: eqaResultEvaluations.labId,
      lab: laboratories.code,
      labName: laboratories.name,
      sample: eqaSamples.code,
      sampleOrdinal: eqaSamples.ordinal,
      analyte: analytes.code,
      analyteId: analytes.id,
      unit: analytes.unit,
      value: eqaResultEvaluations.value,
      method: eqaSubmissions.method,
      instrument: eqaSubmissions.instrument,
      assignedValue: eqaAssignedValues.assignedValue,
      source: eqaAssignedValues.source,
      peerGroup: eqaAssignedValues.peerGroup,
      n: eqaAssignedValues.n,
      robustSd: eqaAssignedValues.robustSd,
      sigmaPt: eqaAssignedValues.sigmaPt,
      uAssigned: eqaAssignedValues.uAssigned,
      uNegligible: eqaAssignedValues.uNegligible,
      deviation: eqaResultEvaluations.deviation,
      percentDeviation: eqaResultEvaluations.percentDeviation,
      allowed: eqaResultEvaluations.allowed,
      z: eqaResultEvaluations.z,
      scoreType: eqaResultEvaluations.scoreType,
      acceptable: eqaResultEvaluations.acceptable,
      classification: eqaResultEvaluations.classification,
      reason: eqaResultEvaluations.reason,
      reasonN: eqaResultEvaluations.reasonN,
      // categorical items: the answer, the target, where it came from, and the grades between them
      category: eqaResultEvaluations.category,
      targetCategory: eqaResultEvaluations.targetCategory,
      targetBasis: eqaResultEvaluations.targetBasis,
      gradeDistance: eqaResultEvaluations.gradeDistance,
    })
    .from(eqaResultEvaluations)
    // a result that could not be evaluated has no assigned value
    .leftJoin(eqaAssignedValues, eq(eqaAssignedValues.id, eqaResultEvaluations.assignedValueId))
    .innerJoin(eqaSamples, eq(eqaSamples.id, eqaResultEvaluations.sampleId))
    .innerJoin(analytes, eq(analytes.id, eqaResultEvaluations.analyteId))
    .innerJoin(laboratories, eq(laboratories.id, eqaResultEvaluations.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .leftJoin(eqaSubmissions, eq(eqaSubmissions.id, eqaResultEvaluations.submissionId))
    .where(and(eq(eqaResultEvaluations.evaluationId, evaluationId), labCondition(scope, eqaResultEvaluations.labId), labIds ? inIdList(eqaResultEvaluations.labId, labIds) : undefined))
    .orderBy(asc(laboratories.code), asc(analytes.code), asc(eqaSamples.ordinal));
}

/** Analyte scores of an evaluation (one per lab × analyte) with lab and analyte codes (of the labs
 * `labIds` only, when given). */
export async function evaluationScores(db: Conn, evaluationId: number, scope: DataScope, labIds?: readonly number[]) {
  return await db
    .select({
      labId: eqaAnalyteScores.labId,
      lab: laboratories.code,
      labName: laboratories.name,
      analyte: analytes.code,
      analyteId: analytes.id,
      samples: eqaAnalyteScores.samples,
      acceptableCount: eqaAnalyteScores.acceptableCount,
      notEvaluated: eqaAnalyteScores.notEvaluated,
      score: eqaAnalyteScores.score,
      verdict: eqaAnalyteScores.verdict,
      notSubmitted: eqaAnalyteScores.notSubmitted,
      unsuccessful: eqaAnalyteScores.unsuccessful,
    })
    .from(eqaAnalyteScores)
    .innerJoin(analytes, eq(analytes.id, eqaAnalyteScores.analyteId))
    .innerJoin(laboratories, eq(laboratories.id, eqaAnalyteScores.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(eq(eqaAnalyteScores.evaluationId, evaluationId), labCondition(scope, eqaAnalyteScores.labId), labIds ? inIdList(eqaAnalyteScores.labId, labIds) : undefined))
    .orderBy(asc(laboratories.code), asc(analytes.code));
}

/** The labs of an evaluation within a scope (a graded result or a score), by code: what an export
 * reads a few at a time. */
export async function evaluationLabIds(db: Conn, evaluationId: number, scope: DataScope): Promise<number[]> {
  const rows = await rawAll<{ id: number }>(db, sql`
    select l.id as id from laboratories l join regions g on g.id = l.region_id
     where l.id in (select lab_id from eqa_analyte_scores where evaluation_id = ${evaluationId}
                    union select lab_id from eqa_result_evaluations where evaluation_id = ${evaluationId})
       and ${scopeWhere(scope, sql`l.id`, sql`g.path`)}
     order by l.code`);
  return rows.map((r) => Number(r.id));
}

/** Per analyte of an evaluation, within a scope: the labs scored, those that submitted and those whose
 * round score is satisfactory, counted in SQL (a national round holds ~400,000 scores). */
export async function analyteParticipation(db: Conn, evaluationId: number, scope: DataScope) {
  return await db
    .select({
      analyteId: eqaAnalyteScores.analyteId,
      participants: sql<number>`count(*)`.mapWith(Number),
      submitted: sql<number>`sum(case when ${eqaAnalyteScores.notSubmitted} then 0 else 1 end)`.mapWith(Number),
      passed: sql<number>`sum(case when ${eqaAnalyteScores.verdict} = 'satisfactory' then 1 else 0 end)`.mapWith(Number),
    })
    .from(eqaAnalyteScores)
    .innerJoin(laboratories, eq(laboratories.id, eqaAnalyteScores.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(eq(eqaAnalyteScores.evaluationId, evaluationId), labCondition(scope, eqaAnalyteScores.labId)))
    .groupBy(eqaAnalyteScores.analyteId);
}

export const FAILED_SORTS = ['lab', 'analyte', 'score'] as const;
export type FailedSort = (typeof FAILED_SORTS)[number];

const failedCols = {
  lab: laboratories.code,
  labName: laboratories.name,
  analyte: analytes.code,
  score: eqaAnalyteScores.score,
  notSubmitted: eqaAnalyteScores.notSubmitted,
  unsuccessful: eqaAnalyteScores.unsuccessful,
};

/** One page of an evaluation's unsatisfactory lab × analyte scores within a scope (filter text in the
 * lab's code or either name and the analyte's code or either name), and how many there are. */
export async function failedScoresPage(db: Conn, evaluationId: number, scope: DataScope, req: PageRequest<FailedSort>): Promise<Page<RowOf<typeof failedCols>>> {
  const cond = and(
    eq(eqaAnalyteScores.evaluationId, evaluationId),
    eq(eqaAnalyteScores.verdict, 'unsatisfactory'),
    labCondition(scope, eqaAnalyteScores.labId),
    textFilter(req.q, [laboratories.code, laboratories.name, laboratories.nameEn, analytes.code, analytes.nameZh, analytes.nameEn]),
  );
  const sorts: Record<FailedSort, unknown[]> = {
    lab: [laboratories.code, analytes.code],
    analyte: [analytes.code, laboratories.code],
    score: [eqaAnalyteScores.score, laboratories.code, analytes.code],
  };
  return await pageOf(
    (s) =>
      db
        .select(s as never)
        .from(eqaAnalyteScores)
        .innerJoin(analytes, eq(analytes.id, eqaAnalyteScores.analyteId))
        .innerJoin(laboratories, eq(laboratories.id, eqaAnalyteScores.labId))
        .innerJoin(regions, eq(regions.id, laboratories.regionId))
        .where(cond),
    failedCols,
    sorts,
    req,
  );
}

export const ASSIGNED_SORTS = ['analyte', 'sample'] as const;
export type AssignedSort = (typeof ASSIGNED_SORTS)[number];

const assignedCols = {
  sample: eqaSamples.code,
  analyte: analytes.code,
  peerGroup: eqaAssignedValues.peerGroup,
  source: eqaAssignedValues.source,
  n: eqaAssignedValues.n,
  assignedValue: eqaAssignedValues.assignedValue,
  robustSd: eqaAssignedValues.robustSd,
  sigmaPt: eqaAssignedValues.sigmaPt,
  uAssigned: eqaAssignedValues.uAssigned,
  uNegligible: eqaAssignedValues.uNegligible,
};

/** The all-methods group's names in the app's languages (messages eqa.source.allMethods), lower case. */
const ALL_METHODS_NAMES = ['all methods', '全部方法'];

/** One page of an evaluation's assigned values (one per sample × analyte × peer group; filter text in
 * the analyte's code or either name, the sample's code or the peer group's name), and how many there are. */
export async function assignedValuesPage(db: Conn, evaluationId: number, req: PageRequest<AssignedSort>): Promise<Page<RowOf<typeof assignedCols>>> {
  // the all-methods group is stored as '*' and shown by its name: a filter text within that name finds it
  const q = req.q.trim().toLowerCase();
  const allMethods = q && ALL_METHODS_NAMES.some((n) => n.includes(q)) ? eq(eqaAssignedValues.peerGroup, '*') : undefined;
  const text = textFilter(req.q, [analytes.code, analytes.nameZh, analytes.nameEn, eqaSamples.code, eqaAssignedValues.peerGroup]);
  const cond = and(eq(eqaAssignedValues.evaluationId, evaluationId), allMethods && text ? or(text, allMethods) : text);
  const sorts: Record<AssignedSort, unknown[]> = {
    analyte: [analytes.code, eqaSamples.ordinal, eqaAssignedValues.peerGroup],
    sample: [eqaSamples.ordinal, analytes.code, eqaAssignedValues.peerGroup],
  };
  return await pageOf(
    (s) =>
      db
        .select(s as never)
        .from(eqaAssignedValues)
        .innerJoin(eqaSamples, eq(eqaSamples.id, eqaAssignedValues.sampleId))
        .innerJoin(analytes, eq(analytes.id, eqaAssignedValues.analyteId))
        .where(cond),
    assignedCols,
    sorts,
    req,
  );
}

/** Every participant's value for one sample × analyte (values only, no identities), sorted. */
export async function sampleValues(db: Conn, evaluationId: number, sampleId: number, analyteId: number): Promise<number[]> {
  return (await db
    .select({ v: eqaResultEvaluations.value })
    .from(eqaResultEvaluations)
    .where(and(eq(eqaResultEvaluations.evaluationId, evaluationId), eq(eqaResultEvaluations.sampleId, sampleId), eq(eqaResultEvaluations.analyteId, analyteId)))
    .orderBy(asc(eqaResultEvaluations.value)))
    .map((r) => r.v)
    .filter((v): v is number => v !== null);
}

/** Pairs of values (sample A, sample B) per lab for one analyte, with the lab id (callers anonymise). */
export async function samplePairs(db: Conn, evaluationId: number, analyteId: number, sampleA: number, sampleB: number) {
  return await rawAll<{ labId: number; x: number; y: number }>(db, sql`select a.lab_id as labId, a.value as x, b.value as y from eqa_result_evaluations a
          join eqa_result_evaluations b on b.evaluation_id = a.evaluation_id and b.lab_id = a.lab_id and b.analyte_id = a.analyte_id and b.sample_id = ${sampleB}
         where a.evaluation_id = ${evaluationId} and a.analyte_id = ${analyteId} and a.sample_id = ${sampleA}`,
  );
}

/** z scores of one lab across the rounds of a scheme (counting evaluation of each round), oldest first. */
export async function labZHistory(db: Conn, labId: number, schemeId: number, opts: { publishedOnly: boolean }) {
  return await db
    .select({
      round: eqaRounds.code,
      closesAt: eqaRounds.closesAt,
      sample: eqaSamples.code,
      analyte: analytes.code,
      z: eqaResultEvaluations.z,
      scoreType: eqaResultEvaluations.scoreType,
    })
    .from(eqaResultEvaluations)
    .innerJoin(eqaEvaluations, eq(eqaEvaluations.id, eqaResultEvaluations.evaluationId))
    .innerJoin(eqaRounds, eq(eqaRounds.id, eqaEvaluations.roundId))
    .innerJoin(eqaSamples, eq(eqaSamples.id, eqaResultEvaluations.sampleId))
    .innerJoin(analytes, eq(analytes.id, eqaResultEvaluations.analyteId))
    .where(
      and(
        eq(eqaResultEvaluations.labId, labId),
        eq(eqaRounds.schemeId, schemeId),
        opts.publishedOnly ? eq(eqaEvaluations.status, 'published') : sql`${eqaEvaluations.status} in ('complete', 'published')`,
      ),
    )
    .orderBy(asc(eqaRounds.closesAt), asc(analytes.code), asc(eqaSamples.ordinal));
}

/** Scores of one lab across the rounds of a scheme (verdict history), oldest first. */
export async function labScoreHistory(db: Conn, labId: number, schemeId: number, opts: { publishedOnly: boolean }) {
  return await db
    .select({
      round: eqaRounds.code,
      analyte: analytes.code,
      score: eqaAnalyteScores.score,
      verdict: eqaAnalyteScores.verdict,
      notSubmitted: eqaAnalyteScores.notSubmitted,
      unsuccessful: eqaAnalyteScores.unsuccessful,
    })
    .from(eqaAnalyteScores)
    .innerJoin(eqaEvaluations, eq(eqaEvaluations.id, eqaAnalyteScores.evaluationId))
    .innerJoin(eqaRounds, eq(eqaRounds.id, eqaEvaluations.roundId))
    .innerJoin(analytes, eq(analytes.id, eqaAnalyteScores.analyteId))
    .where(
      and(
        eq(eqaAnalyteScores.labId, labId),
        eq(eqaRounds.schemeId, schemeId),
        opts.publishedOnly ? eq(eqaEvaluations.status, 'published') : sql`${eqaEvaluations.status} in ('complete', 'published')`,
      ),
    )
    .orderBy(asc(eqaRounds.closesAt), asc(analytes.code));
}

/** The z distribution of an evaluation within a scope: [bin, count], from each lab's counts written
 * with the evaluation (eqa_z_bins; lib/stats zBin: edges at the classes' edges, z rounded to 1e-9). */
export async function zBins(db: Conn, evaluationId: number, scope: DataScope) {
  return await db
    .select({ bin: eqaZBins.bin, n: sql<number>`sum(${eqaZBins.n})`.mapWith(Number) })
    .from(eqaZBins)
    .innerJoin(laboratories, eq(laboratories.id, eqaZBins.labId))
    .innerJoin(regions, eq(regions.id, laboratories.regionId))
    .where(and(eq(eqaZBins.evaluationId, evaluationId), scopeWhere(scope, eqaZBins.labId, regions.path)))
    .groupBy(eqaZBins.bin)
    .orderBy(asc(eqaZBins.bin));
}

/**
 * Verdict changes between two evaluations of a round for the labs of a region subtree only (the
 * re-evaluation diff as a city regulator may see it): count and the first `limit` items.
 */
export async function scopedVerdictChanges(db: Conn, previousId: number, currentId: number, scope: DataScope, limit: number) {
  // the count over all changes and only the first `limit` rows leave the database (a corrected
  // reference value can change every verdict of a national round: 400,000 rows)
  type Row = { lab: string; analyte: string; bv: string | null; bs: number | null; av: string | null; as_: number | null; total: number };
  const rows = await rawAll<Row>(db, sql`
    select lab, analyte, bv, bs, av, as_, count(*) over () as total from (
    select l.code as lab, a.code as analyte, p.verdict as bv, p.score as bs, c.verdict as av, c.score as as_
      from eqa_analyte_scores c
      join laboratories l on l.id = c.lab_id join regions g on g.id = l.region_id join analytes a on a.id = c.analyte_id
      left join eqa_analyte_scores p on p.evaluation_id = ${previousId} and p.lab_id = c.lab_id and p.analyte_id = c.analyte_id
     where c.evaluation_id = ${currentId} and ${scopeWhere(scope, sql`l.id`, sql`g.path`)}
       and (p.id is null or p.verdict <> c.verdict or round(cast(p.score as numeric), 9) <> round(cast(c.score as numeric), 9))
    union all
    select l.code, a.code, p.verdict, p.score, null, null
      from eqa_analyte_scores p
      join laboratories l on l.id = p.lab_id join regions g on g.id = l.region_id join analytes a on a.id = p.analyte_id
     where p.evaluation_id = ${previousId} and ${scopeWhere(scope, sql`l.id`, sql`g.path`)}
       and not exists (select 1 from eqa_analyte_scores c where c.evaluation_id = ${currentId} and c.lab_id = p.lab_id and c.analyte_id = p.analyte_id)
    ) changes
     order by lab, analyte
     limit ${limit}`);
  return {
    changed: Number(rows[0]?.total ?? 0),
    items: rows.map((r) => ({
      lab: r.lab,
      analyte: r.analyte,
      before: r.bv !== null ? { verdict: r.bv, score: r.bs! } : null,
      after: r.av !== null ? { verdict: r.av, score: r.as_! } : null,
    })),
  };
}

/** Results of an evaluation that were not evaluated, per sample × analyte × reason, within a scope. */
export async function notEvaluatedSamples(db: Conn, evaluationId: number, scope: DataScope) {
  return await rawAll<{ sample: string; analyte: string; reason: string | null; n: number | null; results: number }>(db, sql`
    select s.code as sample, a.code as analyte, r.reason as reason, max(r.reason_n) as n, count(*) as results
      from eqa_result_evaluations r
      join eqa_samples s on s.id = r.sample_id join analytes a on a.id = r.analyte_id
      join laboratories l on l.id = r.lab_id join regions g on g.id = l.region_id
     where r.evaluation_id = ${evaluationId} and r.acceptable is null and ${scopeWhere(scope, sql`l.id`, sql`g.path`)}
     group by s.code, a.code, r.reason
     order by a.code, min(s.ordinal)`);
}

/**
 * Answers per category for one sample × categorical item of an evaluation: counts only, no
 * identities (what every participant may see of the others).
 */
export async function sampleCategoryCounts(db: Conn, evaluationId: number, sampleId: number, analyteId: number) {
  return await db
    .select({ category: eqaResultEvaluations.category, n: sql<number>`count(*)` })
    .from(eqaResultEvaluations)
    .where(
      and(
        eq(eqaResultEvaluations.evaluationId, evaluationId),
        eq(eqaResultEvaluations.sampleId, sampleId),
        eq(eqaResultEvaluations.analyteId, analyteId),
        isNotNull(eqaResultEvaluations.category),
      ),
    )
    .groupBy(eqaResultEvaluations.category) as { category: string; n: number }[];
}

/** Targets of the categorical items of an evaluation per sample (null target = not evaluated, see reason). */
export async function evaluationCategoryTargets(db: Conn, evaluationId: number) {
  return await db
    .select({
      sample: eqaSamples.code,
      sampleId: eqaCategoryTargets.sampleId,
      analyte: analytes.code,
      analyteId: eqaCategoryTargets.analyteId,
      targetCategory: eqaCategoryTargets.targetCategory,
      basis: eqaCategoryTargets.basis,
      n: eqaCategoryTargets.n,
      agreeing: eqaCategoryTargets.agreeing,
      reason: eqaCategoryTargets.reason,
    })
    .from(eqaCategoryTargets)
    .innerJoin(eqaSamples, eq(eqaSamples.id, eqaCategoryTargets.sampleId))
    .innerJoin(analytes, eq(analytes.id, eqaCategoryTargets.analyteId))
    .where(eq(eqaCategoryTargets.evaluationId, evaluationId))
    .orderBy(asc(analytes.code), asc(eqaSamples.ordinal));
}

/**
 * Concordance of the categorical items of an evaluation within a scope, per item: answers received,
 * answers evaluated (their sample had a target) and acceptable ones.
 */
export async function categoricalConcordance(db: Conn, evaluationId: number, scope: DataScope) {
  return await rawAll<{ analyte: string; analyteId: number; answers: number; evaluated: number; acceptable: number; labs: number }>(db, sql`
    select a.code as analyte, a.id as analyteId, count(*) as answers, count(r.acceptable) as evaluated,
           coalesce(sum(${boolAsInt(sql`r.acceptable`)}), 0) as acceptable, count(distinct r.lab_id) as labs
      from eqa_result_evaluations r
      join analytes a on a.id = r.analyte_id
      join laboratories l on l.id = r.lab_id join regions g on g.id = l.region_id
     where r.evaluation_id = ${evaluationId} and a.kind <> 'quantitative' and ${scopeWhere(scope, sql`l.id`, sql`g.path`)}
     group by a.id
     order by a.code`);
}

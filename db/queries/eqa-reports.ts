// Report reads of an evaluated EQA round. Each takes the scope (one lab, or a region subtree) and
// puts it into SQL, so a report can never include labs the caller may not see.
import { and, asc, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
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
  laboratories,
  regions,
} from '../schema';
import { boolAsInt, rawAll } from '@/db/dialect';

/** The labs whose rows are read: a DataScope (one lab, a region subtree, all or none) in SQL. */
function labCondition(scope: DataScope, labIdColumn: typeof eqaResultEvaluations.labId | typeof eqaAnalyteScores.labId): SQL {
  return scopeWhere(scope, labIdColumn, regions.path);
}

/** Graded results of an evaluation with their assigned value, peer group and lab. */
export async function evaluationResults(db: Conn, evaluationId: number, scope: DataScope) {
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
    .where(and(eq(eqaResultEvaluations.evaluationId, evaluationId), labCondition(scope, eqaResultEvaluations.labId)))
    .orderBy(asc(laboratories.code), asc(analytes.code), asc(eqaSamples.ordinal));
}

/** Analyte scores of an evaluation (one per lab × analyte) with lab and analyte codes. */
export async function evaluationScores(db: Conn, evaluationId: number, scope: DataScope) {
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
    .where(and(eq(eqaAnalyteScores.evaluationId, evaluationId), labCondition(scope, eqaAnalyteScores.labId)))
    .orderBy(asc(laboratories.code), asc(analytes.code));
}

/** Assigned values of an evaluation with sample and analyte codes. */
export async function evaluationAssignedValues(db: Conn, evaluationId: number) {
  return await db
    .select({
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
      iterations: eqaAssignedValues.iterations,
    })
    .from(eqaAssignedValues)
    .innerJoin(eqaSamples, eq(eqaSamples.id, eqaAssignedValues.sampleId))
    .innerJoin(analytes, eq(analytes.id, eqaAssignedValues.analyteId))
    .where(eq(eqaAssignedValues.evaluationId, evaluationId))
    .orderBy(asc(analytes.code), asc(eqaSamples.ordinal), asc(eqaAssignedValues.peerGroup));
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

/** Distribution of |z| classes and z bins of an evaluation, within a scope: [bin, count]. */
export async function zBins(db: Conn, evaluationId: number, scope: DataScope) {
  // z decided after rounding to 1e-9, as its class is: the bins' edges are the classes' (|z| ≤ 2
  // satisfactory, 2 < |z| < 3 questionable, |z| ≥ 3 unsatisfactory), so z = 2 (and 2.0000000000000018)
  // counts in 1…2 and z = −3 in ≤ −3, never in the questionable bars
  const z = sql`round(cast(r.z as numeric), 9)`;
  const bin = sql`case when ${z} >= 4 then 4 when ${z} >= 3 then 3 when ${z} > 2 then 2 when ${z} >= 1 then 1 when ${z} >= 0 then 0
                       when ${z} >= -1 then -1 when ${z} >= -2 then -2 when ${z} > -3 then -3 else -4 end`;
  return await rawAll<{ bin: number; n: number }>(db, sql`select ${bin} as bin, count(*) as n
          from eqa_result_evaluations r join laboratories l on l.id = r.lab_id join regions g on g.id = l.region_id
         where r.evaluation_id = ${evaluationId} and r.z is not null and ${scopeWhere(scope, sql`l.id`, sql`g.path`)}
         group by bin order by bin`,
  );
}

/**
 * Verdict changes between two evaluations of a round for the labs of a region subtree only (the
 * re-evaluation diff as a city regulator may see it): count and the first `limit` items.
 */
export async function scopedVerdictChanges(db: Conn, previousId: number, currentId: number, scope: DataScope, limit: number) {
  type Row = { lab: string; analyte: string; bv: string | null; bs: number | null; av: string | null; as_: number | null };
  const rows = await rawAll<Row>(db, sql`
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
     order by 1, 2`);
  return {
    changed: rows.length,
    items: rows.slice(0, limit).map((r) => ({
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

// Aggregates for the regulator's regional overview, scoped in SQL to a DataScope (the region asked for).
// Booleans, the month of an instant and SQLite's scalar functions go through db/dialect.ts fragments.
import { sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../client';
import type { DataScope } from '@/lib/auth/scope';
import { scopeWhere } from './scope';
import { boolAsInt, isFalse, isTrue, jsonAsText, monthUtc8, rawAll, rawGet } from '@/db/dialect';

/** The scope over the queries' lab `l` and its region `r`. */
const within = (scope: DataScope) => scopeWhere(scope, sql`l.id`, sql`r.path`);

/** Per region that has labs: labs, active certified pairs, distinct recognised analytes. */
export async function recognitionByRegion(db: Conn, scope: DataScope, today: string) {
  return await rawAll<{ regionCode: string; regionName: string; regionNameEn: string; regionLevel: string; labs: number; certifiedPairs: number; recognisedTests: number; certifiedLabs: number }>(db, sql`
    SELECT r.code AS regionCode, r.name AS regionName, r.name_en AS regionNameEn, r.level AS regionLevel,
           count(DISTINCT l.id) AS labs,
           count(DISTINCT CASE WHEN c.id IS NOT NULL THEN c.id END) AS certifiedPairs,
           count(DISTINCT c.analyte_id) AS recognisedTests,
           count(DISTINCT c.lab_id) AS certifiedLabs
    FROM laboratories l
    JOIN regions r ON r.id = l.region_id
    LEFT JOIN certifications c ON c.lab_id = l.id AND c.status = 'active' AND c.valid_from <= ${today} AND c.valid_to >= ${today}
    WHERE ${isTrue(sql`l.active`)} AND ${within(scope)}
    GROUP BY r.id ORDER BY r.path`);
}

export async function certificationStatusCounts(db: Conn, scope: DataScope) {
  return await rawAll<{ status: string; flagged: number; n: number }>(db, sql`
    SELECT c.status AS status, ${boolAsInt(sql`c.flagged`)} AS flagged, count(*) AS n
    FROM certifications c JOIN laboratories l ON l.id = c.lab_id JOIN regions r ON r.id = l.region_id
    WHERE ${within(scope)} GROUP BY c.status, c.flagged`);
}

/** Evaluated lab × test pairs of the scope and how many are eligible, from per-lab counts of the
 * covering indexes (lab, test) and (eligible, lab), never a verdict row: the labs inside the scope
 * summed, or, when most labs are inside (a nation), the whole table less the labs outside it. */
export async function eligibilityCounts(db: Conn, scope: DataScope) {
  const { inside, labs } = (await rawGet<{ inside: number; labs: number }>(db, sql`
    SELECT coalesce(sum(CASE WHEN ${within(scope)} THEN 1 ELSE 0 END), 0) AS inside, count(*) AS labs
    FROM laboratories l JOIN regions r ON r.id = l.region_id`))!;
  const perLab = async (where: SQL) =>
    (await rawGet<{ pairs: number; eligible: number }>(db, sql`
      SELECT coalesce(sum((SELECT count(*) FROM eligibility_results e WHERE e.lab_id = l.id)), 0) AS pairs,
             coalesce(sum((SELECT count(*) FROM eligibility_results e WHERE ${isTrue(sql`e.eligible`)} AND e.lab_id = l.id)), 0) AS eligible
      FROM laboratories l JOIN regions r ON r.id = l.region_id WHERE ${where}`))!;
  if (inside <= labs / 2) return await perLab(within(scope));
  const all = (await rawGet<{ pairs: number; eligible: number }>(db, sql`
    SELECT (SELECT count(*) FROM eligibility_results) AS pairs, (SELECT count(*) FROM eligibility_results WHERE ${isTrue(sql`eligible`)}) AS eligible`))!;
  const outside = inside === labs ? { pairs: 0, eligible: 0 } : await perLab(sql`NOT (${within(scope)})`);
  return { pairs: all.pairs - outside.pairs, eligible: all.eligible - outside.eligible };
}

/** EQA pass rate per month of the round's closing (published rounds, latest non-superseded evaluation). */
export async function eqaPassRateByMonth(db: Conn, scope: DataScope, fromMs: number) {
  return await rawAll<{ month: string; total: number; satisfactory: number }>(db, sql`
    SELECT ${monthUtc8(sql`er.closes_at`)} AS month, count(*) AS total,
           sum(CASE WHEN s.verdict = 'satisfactory' THEN 1 ELSE 0 END) AS satisfactory
    FROM eqa_analyte_scores s
    JOIN eqa_rounds er ON er.id = s.round_id AND er.status = 'published'
    JOIN laboratories l ON l.id = s.lab_id JOIN regions r ON r.id = l.region_id
    WHERE er.closes_at >= ${fromMs} AND ${within(scope)}
      AND s.evaluation_id = (
        SELECT e.id FROM eqa_evaluations e WHERE e.round_id = s.round_id AND e.status IN ('published', 'complete')
        ORDER BY (e.status = 'published') DESC, e.version DESC LIMIT 1)
    GROUP BY month ORDER BY month`);
}

/** Per month of [fromDay, toDay): lab × analyte pairs with IQC that month, and their pair-days with
 * at least COVERED_LEVELS (2) levels among `workingDays`, from the region roll-ups of the daily
 * aggregates (db/queries/daily-iqc.ts): a few rows per region and day, whatever the number of labs. */
export async function iqcCoverageByMonth(db: Conn, scope: DataScope, fromDay: string, toDay: string, workingDays: readonly string[]) {
  // region roll-ups have no lab: a one-lab scope reads nothing here
  const inRegion = scopeWhere(scope, sql`NULL`, sql`r.path`);
  const working = workingDays.length ? sql.join(workingDays.map((d) => sql`${d}`), sql`, `) : sql`NULL`;
  const covered = await rawAll<{ month: string; coveredDays: number }>(db, sql`
    SELECT substr(d.day, 1, 7) AS month, sum(CASE WHEN d.day IN (${working}) THEN d.covered_pairs ELSE 0 END) AS coveredDays
    FROM iqc_region_days d JOIN regions r ON r.id = d.region_id
    WHERE d.day >= ${fromDay} AND d.day < ${toDay} AND ${inRegion}
    GROUP BY month`);
  const pairs = await rawAll<{ month: string; pairs: number }>(db, sql`
    SELECT m.month, sum(m.pairs) AS pairs
    FROM iqc_region_months m JOIN regions r ON r.id = m.region_id
    WHERE m.month >= ${fromDay.slice(0, 7)} AND m.month <= ${toDay.slice(0, 7)} AND ${inRegion}
    GROUP BY m.month ORDER BY m.month`);
  const coveredBy = new Map(covered.map((c) => [c.month, c.coveredDays]));
  return pairs.filter((p) => p.pairs > 0).map((p) => ({ month: p.month, pairs: p.pairs, coveredDays: coveredBy.get(p.month) ?? 0 }));
}

type AtRiskRow = {
  labCode: string;
  labName: string;
  regionName: string;
  analyteCode: string;
  analyteNameZh: string;
  analyteNameEn: string;
  mark: string;
  validTo: string;
  flagged: number;
  eligible: number | null;
  criteria: string | null;
};

/** Active certifications at risk: flagged, no longer eligible, or ending soon; worst first (flagged,
 * then not eligible, then the earliest end; the oldest certification first among equals). Read in
 * three steps, each only while the list has room: the flagged certifications (few), then the others
 * no longer eligible, then those ending soon; so the verdict of every active certification of a
 * nation is looked up only when the flagged ones do not fill the list. */
export async function certificationsAtRisk(db: Conn, scope: DataScope, today: string, soon: string, limit = 15) {
  const ok = sql`coalesce(${boolAsInt(sql`e.eligible`)}, 0)`;
  const step = async (where: SQL, order: SQL, n: number) =>
    await rawAll<AtRiskRow>(db, sql`
      SELECT l.code AS labCode, l.name AS labName, r.name AS regionName, a.code AS analyteCode, a.name_zh AS analyteNameZh, a.name_en AS analyteNameEn,
             c.mark, c.valid_to AS validTo, ${boolAsInt(sql`c.flagged`)} AS flagged, ${boolAsInt(sql`e.eligible`)} AS eligible, ${jsonAsText(sql`e.criteria`)} AS criteria
      FROM certifications c
      JOIN laboratories l ON l.id = c.lab_id JOIN regions r ON r.id = l.region_id JOIN analytes a ON a.id = c.analyte_id
      LEFT JOIN eligibility_results e ON e.lab_id = c.lab_id AND e.analyte_id = c.analyte_id
      WHERE c.status = 'active' AND c.valid_to >= ${today} AND ${within(scope)} AND ${where}
      ORDER BY ${order}, c.id ASC
      LIMIT ${n}`);
  const rows = await step(isTrue(sql`c.flagged`), sql`${ok} ASC, c.valid_to ASC`, limit);
  if (rows.length < limit) rows.push(...await step(sql`${isFalse(sql`c.flagged`)} AND ${ok} = 0`, sql`c.valid_to ASC`, limit - rows.length));
  if (rows.length < limit) rows.push(...await step(sql`${isFalse(sql`c.flagged`)} AND ${ok} = 1 AND c.valid_to <= ${soon}`, sql`c.valid_to ASC`, limit - rows.length));
  return rows;
}

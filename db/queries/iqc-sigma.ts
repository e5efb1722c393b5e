// What the rule-set choice reads: a lab's rule set versions and the EQA bias of its published
// events. Each read is one query per lab (the selector preloads them once per ingest). Every read
// takes the lab id in SQL (the caller has authorized that lab).
// SQLite reads through prepared statements; PostgreSQL through the same SQL per dialect in each function.
import type Database from 'better-sqlite3';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Conn, DB } from '../client';
import { analytes, qcRuleSetVersions } from '../schema';
import { dialectOf, isFalse, isTrue, rawAll, rawGet } from '@/db/dialect';

export interface RuleSetVersionRow {
  analyteId: number;
  version: number;
  rules: string[];
  effectiveFrom: number;
  reason: string | null;
  createdAt: number;
}

/** Every rule set version of a lab, by analyte, then in force order (effectiveFrom, version). */
export async function ruleSetVersionsOfLab(db: DB, labId: number): Promise<RuleSetVersionRow[]> {
  if (dialectOf(db) === 'pg') {
    return await rawAll<RuleSetVersionRow>(
      db,
      sql`SELECT analyte_id AS analyteId, version, rules, effective_from AS effectiveFrom, reason, created_at AS createdAt
          FROM qc_rule_set_versions WHERE lab_id = ${labId} ORDER BY analyte_id, effective_from, version`,
    );
  }
  return sigmaStatements(db).ruleSetVersionsOfLab.all(labId).map((r) => ({ ...r, rules: JSON.parse(r.rules) as string[] }));
}

/** The rule set versions of one lab × analyte (oldest first), with the analyte code. */
export async function ruleSetVersionsOf(db: Conn, labId: number, analyteId: number) {
  return await db
    .select({ id: qcRuleSetVersions.id, version: qcRuleSetVersions.version, rules: qcRuleSetVersions.rules, effectiveFrom: qcRuleSetVersions.effectiveFrom, reason: qcRuleSetVersions.reason, analyte: analytes.code })
    .from(qcRuleSetVersions)
    .innerJoin(analytes, eq(analytes.id, qcRuleSetVersions.analyteId))
    .where(and(eq(qcRuleSetVersions.labId, labId), eq(qcRuleSetVersions.analyteId, analyteId)))
    .orderBy(asc(qcRuleSetVersions.version));
}

export async function insertRuleSetVersion(db: Conn, v: typeof qcRuleSetVersions.$inferInsert) {
  return (await db.insert(qcRuleSetVersions).values(v).returning())[0];
}

/** The time of the lab's latest run of an analyte (a new rule set version takes effect after it). */
export async function lastRunTimeOfAnalyte(db: Conn, labId: number, analyteId: number): Promise<number | null> {
  const r = await rawGet<{ t: number | null }>(db, sql`SELECT max(measured_at) AS t FROM iqc_runs WHERE lab_id = ${labId} AND analyte_id = ${analyteId}`);
  return r?.t ?? null;
}

/** One EQA event of a lab for one analyte: its graded results' percent deviations summed. */
export interface EqaBiasEventRow {
  analyteId: number;
  roundCode: string;
  closesAt: number;
  publishedAt: number;
  n: number;
  sumPercent: number;
}

/**
 * The lab's EQA events per analyte from **published** evaluations only (the latest published
 * evaluation of each published round), with the number of results that have a percent deviation
 * and their sum; newest event (closing time) first within each analyte. Results without a
 * percent deviation or without a verdict (not evaluated) are left out.
 */
export async function eqaBiasEventsOfLab(db: DB, labId: number): Promise<EqaBiasEventRow[]> {
  if (dialectOf(db) === 'pg') {
    return await rawAll<EqaBiasEventRow>(db, sql`
      SELECT re.analyte_id AS analyteId, r.code AS roundCode, r.closes_at AS closesAt, r.published_at AS publishedAt,
             count(*) AS n, sum(re.percent_deviation) AS sumPercent
      FROM eqa_rounds r
      JOIN eqa_evaluations e ON e.id = (SELECT e2.id FROM eqa_evaluations e2 WHERE e2.round_id = r.id AND e2.status = 'published' ORDER BY e2.version DESC LIMIT 1)
      JOIN eqa_result_evaluations re ON re.evaluation_id = e.id AND re.lab_id = ${labId}
      WHERE r.status = 'published' AND r.published_at IS NOT NULL
        AND re.percent_deviation IS NOT NULL AND re.acceptable IS NOT NULL
      GROUP BY re.analyte_id, r.id, r.code, r.closes_at, r.published_at
      ORDER BY re.analyte_id, r.closes_at DESC, r.id DESC`);
  }
  return sigmaStatements(db).eqaBiasEventsOfLab.all({ lab: labId });
}

/** The two reads every ingest's rule-set choice makes, prepared once per database handle (the query
 * builder would build and prepare them again for every request, more than their run on a grid entry). */
function statements(client: Database.Database) {
  return {
    ruleSetVersionsOfLab: client.prepare<[number], Omit<RuleSetVersionRow, 'rules'> & { rules: string }>(
      `SELECT analyte_id AS analyteId, version, rules, effective_from AS effectiveFrom, reason, created_at AS createdAt
       FROM qc_rule_set_versions WHERE lab_id = ? ORDER BY analyte_id, effective_from, version`,
    ),
    eqaBiasEventsOfLab: client.prepare<{ lab: number }, EqaBiasEventRow>(`
      SELECT re.analyte_id AS analyteId, r.code AS roundCode, r.closes_at AS closesAt, r.published_at AS publishedAt,
             count(*) AS n, sum(re.percent_deviation) AS sumPercent
      FROM eqa_rounds r
      JOIN eqa_evaluations e ON e.id = (SELECT e2.id FROM eqa_evaluations e2 WHERE e2.round_id = r.id AND e2.status = 'published' ORDER BY e2.version DESC LIMIT 1)
      JOIN eqa_result_evaluations re ON re.evaluation_id = e.id AND re.lab_id = @lab
      WHERE r.status = 'published' AND r.published_at IS NOT NULL
        AND re.percent_deviation IS NOT NULL AND re.acceptable IS NOT NULL
      GROUP BY re.analyte_id, r.id
      ORDER BY re.analyte_id, r.closes_at DESC, r.id DESC`),
  };
}
const cache = new WeakMap<Database.Database, ReturnType<typeof statements>>();

function sigmaStatements(db: DB) {
  let s = cache.get(db.$client);
  if (!s) cache.set(db.$client, (s = statements(db.$client)));
  return s;
}

/** One level of the latest judged run of an analyte × instrument, with the frozen target it met. */
export interface LatestRunLevelRow {
  runId: number;
  analyteId: number;
  instrument: string;
  measuredAt: number;
  level: string;
  lot: string;
  controlLotId: number;
  targetId: number;
  mean: number;
  sd: number;
  source: string;
}

/**
 * The latest run measured before `before` of each analyte × instrument of a lab that had a target
 * (status other than no_target), one row per current level with its target: what the rule-set
 * choice of "a run now" rests on (rules page, monthly review).
 */
export async function latestJudgedRunLevels(db: Conn, labId: number, before: number): Promise<LatestRunLevelRow[]> {
  return await rawAll<LatestRunLevelRow>(db, latestJudgedRunLevelsSql(labId, before));
}

/** The statement of {@link latestJudgedRunLevels} (tests explain it). */
export function latestJudgedRunLevelsSql(labId: number, before: number): SQL {
  return sql`
    WITH latest AS (
      SELECT (SELECT x.id FROM iqc_runs x WHERE x.lab_id = ${labId} AND x.analyte_id = g.analyte_id AND x.instrument = g.instrument
                AND x.measured_at < ${before} AND x.status <> 'no_target' ORDER BY x.measured_at DESC, x.id DESC LIMIT 1) AS id
      -- the lab's series from its control lots (a run's results are of lots of its instrument): a
      -- few hundred rows, where the runs are millions; a series with no run before \`before\` has
      -- no latest run and drops out at the join. Only series with a target on one of their lots: a
      -- row below joins a result's target, which is a target of its lot, so a series without any
      -- has no rows, and looking for its latest judged run would walk back through every one of its
      -- runs (all unjudged, a lot used for months without targets) to find none
      FROM (SELECT DISTINCT c.analyte_id, c.instrument FROM control_lots c WHERE c.lab_id = ${labId}
              AND EXISTS (SELECT 1 FROM qc_targets q WHERE q.control_lot_id = c.id AND q.lab_id = ${labId})) g
    )
    SELECT u.id AS runId, u.analyte_id AS analyteId, u.instrument, u.measured_at AS measuredAt, r.level, l.lot_number AS lot,
           r.control_lot_id AS controlLotId, t.id AS targetId, t.mean, t.sd, t.source
    FROM latest JOIN iqc_runs u ON u.id = latest.id
    JOIN iqc_results r ON r.run_id = u.id AND ${isTrue(sql`r.current`)} AND ${isFalse(sql`r.excluded`)}
    JOIN qc_targets t ON t.id = r.target_id
    JOIN control_lots l ON l.id = r.control_lot_id
    ORDER BY u.analyte_id, u.instrument, r.level`;
}

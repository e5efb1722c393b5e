// Internal QC reads (and the few single-row writes of lots, targets and rule sets): control lots,
// targets, runs, results, violations. Every read takes the lab id in SQL (the caller has authorized
// that lab). The ingest path's statements are in ./iqc-ingest.ts, corrective actions in ./iqc-actions.ts.
import { and, asc, desc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { analytes, controlLots, correctiveActions, iqcResults, iqcRuns, iqcViolations, qcRuleConfigs, qcTargets, users } from '../schema';
import type { RunStatus } from '../enums';
import { dialectOf, first, isTrue, rawAll } from '@/db/dialect';

export { findCorrectiveAction, listCorrectiveActions, resolveCorrectiveActionRow } from './iqc-actions';

// ---------------------------------------------------------------------------------------------
// Reads for pages and the API (drizzle)

export async function findControlLot(db: Conn, labId: number, analyteId: number, level: string, lotNumber: string, instrument: string) {
  return first(await db
    .select()
    .from(controlLots)
    .where(
      and(
        eq(controlLots.labId, labId),
        eq(controlLots.analyteId, analyteId),
        eq(controlLots.level, level),
        eq(controlLots.lotNumber, lotNumber),
        eq(controlLots.instrument, instrument),
      ),
    ).limit(1));
}

export async function findControlLotById(db: Conn, id: number) {
  return first(await db.select().from(controlLots).where(eq(controlLots.id, id)).limit(1));
}

export async function insertControlLot(db: Conn, v: { labId: number; analyteId: number; level: string; lotNumber: string; instrument: string; createdAt: number }) {
  return (await db.insert(controlLots).values(v).returning())[0];
}

export async function targetVersions(db: Conn, controlLotId: number) {
  return await db.select().from(qcTargets).where(eq(qcTargets.controlLotId, controlLotId)).orderBy(asc(qcTargets.version));
}

/** Every target version of these lots of a lab, oldest first per lot, with who set it (the targets
 * page's history: one read for a page of lots, qc_targets_uq). */
export async function targetHistoryOfLots(db: Conn, labId: number, lotIds: readonly number[]) {
  if (!lotIds.length) return [];
  return await db
    .select({ controlLotId: qcTargets.controlLotId, version: qcTargets.version, mean: qcTargets.mean, sd: qcTargets.sd, source: qcTargets.source, basisN: qcTargets.basisN, effectiveFrom: qcTargets.effectiveFrom, reason: qcTargets.reason, createdAt: qcTargets.createdAt, by: users.email })
    .from(qcTargets)
    .leftJoin(users, eq(users.id, qcTargets.createdBy))
    .where(and(eq(qcTargets.labId, labId), inArray(qcTargets.controlLotId, [...lotIds])))
    .orderBy(asc(qcTargets.controlLotId), asc(qcTargets.version));
}

/** Set the category a categorical item's control lot must read, from a time on. */
export async function setLotExpectation(db: Conn, controlLotId: number, category: string, from: number) {
  return await db.update(controlLots).set({ expectedCategory: category, expectedFrom: from }).where(eq(controlLots.id, controlLotId));
}

/** A lab's control lots whose expiry day falls in [fromDay, toDay] (the dashboard's notice), soonest first. */
export async function lotsExpiringBetween(db: Conn, labId: number, fromDay: string, toDay: string, limit = 50) {
  return await db
    .select({ id: controlLots.id, analyte: analytes.code, nameEn: analytes.nameEn, nameZh: analytes.nameZh, level: controlLots.level, lot: controlLots.lotNumber, instrument: controlLots.instrument, expiresOn: sql<string>`${controlLots.expiresOn}` })
    .from(controlLots)
    .innerJoin(analytes, eq(analytes.id, controlLots.analyteId))
    .where(and(eq(controlLots.labId, labId), gte(controlLots.expiresOn, fromDay), lte(controlLots.expiresOn, toDay)))
    .orderBy(asc(controlLots.expiresOn), asc(analytes.code), asc(controlLots.instrument), asc(controlLots.level), asc(controlLots.id))
    .limit(limit);
}

/** Set (or clear) the last day a control lot's material may be used. */
export async function setLotExpiresOn(db: Conn, controlLotId: number, expiresOn: string | null) {
  await db.update(controlLots).set({ expiresOn }).where(eq(controlLots.id, controlLotId));
}

export async function insertTarget(db: Conn, v: typeof qcTargets.$inferInsert) {
  return (await db.insert(qcTargets).values(v).returning())[0];
}

/** The newest time of a current result of a lot (targets may only take effect after it). */
export async function lastResultTimeOfLot(db: Conn, controlLotId: number): Promise<number | null> {
  const r = first(await db
    .select({ t: sql<number | null>`max(${iqcResults.measuredAt})` })
    .from(iqcResults)
    .where(and(eq(iqcResults.controlLotId, controlLotId), eq(iqcResults.current, true))).limit(1));
  return r?.t ?? null;
}

/** Baseline candidates of a lot: current, not excluded values of runs that were not rejected. */
export async function baselineValues(db: Conn, controlLotId: number) {
  return await db
    .select({ value: iqcResults.value, measuredAt: iqcResults.measuredAt })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .where(and(eq(iqcResults.controlLotId, controlLotId), eq(iqcResults.current, true), eq(iqcResults.excluded, false), sql`${iqcRuns.status} <> 'rejected'`))
    .orderBy(asc(iqcResults.measuredAt));
}

/** Control lots of a lab with the target in force at `at` (null when none yet) and the time of each
 * lot's latest current result. */
export async function listLotsWithTargets(db: Conn, labId: number, at: number) {
  return await db
    .select({
      id: controlLots.id,
      analyteId: controlLots.analyteId,
      analyte: analytes.code,
      analyteNameEn: analytes.nameEn,
      analyteNameZh: analytes.nameZh,
      unit: analytes.unit,
      level: controlLots.level,
      lot: controlLots.lotNumber,
      instrument: controlLots.instrument,
      expectedCategory: controlLots.expectedCategory,
      expectedFrom: controlLots.expectedFrom,
      expiresOn: controlLots.expiresOn,
      targetId: qcTargets.id,
      version: qcTargets.version,
      mean: qcTargets.mean,
      sd: qcTargets.sd,
      source: qcTargets.source,
      effectiveFrom: qcTargets.effectiveFrom,
      lastAt: sql<number | null>`(SELECT max(r.measured_at) FROM iqc_results r WHERE r.control_lot_id = ${controlLots.id} AND ${isTrue(sql`r.current`)})`.mapWith(Number),
    })
    .from(controlLots)
    .innerJoin(analytes, eq(analytes.id, controlLots.analyteId))
    .leftJoin(
      qcTargets,
      sql`${qcTargets.id} = (SELECT t.id FROM qc_targets t WHERE t.control_lot_id = ${controlLots.id} AND t.effective_from <= ${at}
            ORDER BY t.effective_from DESC, t.version DESC LIMIT 1)`,
    )
    .where(eq(controlLots.labId, labId))
    // lots created at the same moment (an import) newest first by id: the same list on both backends
    .orderBy(asc(analytes.code), asc(controlLots.instrument), asc(controlLots.level), desc(controlLots.createdAt), desc(controlLots.id));
}

/** These control lots of a lab, each with in-control results (lot id → count and distinct days): its
 * current, not excluded results in runs that were not rejected, what a baseline rests on
 * (baselineValues), summed from the lot's daily figures (iqc_daily_lots: a row per lot and day, where
 * counting the results themselves walks millions of index entries for a busy lab). */
export async function inControlOfLots(db: Conn, labId: number, lotIds: readonly number[]): Promise<Map<number, { results: number; days: number }>> {
  if (!lotIds.length) return new Map();
  const rows = await rawAll<{ id: number; results: number; days: number }>(
    db,
    sql`SELECT l.id, sum(d.n) AS results, sum(CASE WHEN d.n > 0 THEN 1 ELSE 0 END) AS days
        FROM control_lots l JOIN iqc_daily_lots d ON d.control_lot_id = l.id AND d.lab_id = l.lab_id
        WHERE l.lab_id = ${labId} AND l.id IN (${sql.join(lotIds.map((id) => sql`${id}`), sql`, `)}) GROUP BY l.id`,
  );
  const out = new Map<number, { results: number; days: number }>();
  for (const r of rows) if (Number(r.results) > 0) out.set(Number(r.id), { results: Number(r.results), days: Number(r.days) });
  return out;
}

export async function findRuleConfig(db: Conn, labId: number, analyteId: number) {
  return first(await db.select().from(qcRuleConfigs).where(and(eq(qcRuleConfigs.labId, labId), eq(qcRuleConfigs.analyteId, analyteId))).limit(1));
}

export async function upsertRuleConfig(db: Conn, v: { labId: number; analyteId: number; rules: string[]; updatedBy: number; updatedAt: number }) {
  await db.insert(qcRuleConfigs)
    .values(v)
    .onConflictDoUpdate({ target: [qcRuleConfigs.labId, qcRuleConfigs.analyteId], set: { rules: v.rules, updatedBy: v.updatedBy, updatedAt: v.updatedAt } });
}

export async function deleteRuleConfig(db: Conn, labId: number, analyteId: number) {
  await db.delete(qcRuleConfigs).where(and(eq(qcRuleConfigs.labId, labId), eq(qcRuleConfigs.analyteId, analyteId)));
}

export async function listRuleConfigs(db: Conn, labId: number) {
  return await db
    .select({ analyte: analytes.code, rules: qcRuleConfigs.rules, updatedAt: qcRuleConfigs.updatedAt })
    .from(qcRuleConfigs)
    .innerJoin(analytes, eq(analytes.id, qcRuleConfigs.analyteId))
    .where(eq(qcRuleConfigs.labId, labId));
}

export async function findResult(db: Conn, id: number) {
  return first(await db.select().from(iqcResults).where(eq(iqcResults.id, id)).limit(1));
}

export async function findRun(db: Conn, id: number) {
  return first(await db.select().from(iqcRuns).where(eq(iqcRuns.id, id)).limit(1));
}

/** Chart data of one analyte: every current result in [from, to) with its run, target and operator. */
export async function chartPoints(db: Conn, labId: number, analyteId: number, from: number, to: number, instrument?: string) {
  return await chartPointsQuery(db, labId, analyteId, from, to, instrument);
}

/**
 * The results of a lab's item, or of one instrument's series of it, in a query that joins their
 * control lots and runs. One instrument's are read through its control lots (index lot, time): by
 * (lab, item, time) the query read the item's results on every instrument of the lab and dropped the
 * others by run. SQLite, without statistics, walks the lab's results when given their lab as well,
 * so only PostgreSQL (and Citus' routing) gets it.
 */
export function itemResults(db: Conn, labId: number, analyteId: number, instrument?: string) {
  if (instrument === undefined) return and(eq(iqcResults.labId, labId), eq(iqcResults.analyteId, analyteId));
  return and(
    eq(controlLots.labId, labId),
    eq(controlLots.analyteId, analyteId),
    eq(controlLots.instrument, instrument),
    eq(iqcRuns.instrument, instrument),
    dialectOf(db) === 'pg' ? eq(iqcResults.labId, labId) : undefined,
  );
}

/** The query of {@link chartPoints} (one instrument's: see {@link itemResults}). */
export function chartPointsQuery(db: Conn, labId: number, analyteId: number, from: number, to: number, instrument?: string) {
  const series = itemResults(db, labId, analyteId, instrument);
  return db
    .select({
      id: iqcResults.id,
      runId: iqcResults.runId,
      level: iqcResults.level,
      value: iqcResults.value,
      category: iqcResults.category,
      signal: iqcResults.signal,
      expected: controlLots.expectedCategory,
      z: iqcResults.z,
      measuredAt: iqcResults.measuredAt,
      version: iqcResults.version,
      excluded: iqcResults.excluded,
      excludedReason: iqcResults.excludedReason,
      lot: controlLots.lotNumber,
      instrument: iqcRuns.instrument,
      status: iqcRuns.status,
      operator: iqcRuns.operator,
      mean: qcTargets.mean,
      sd: qcTargets.sd,
      targetVersion: qcTargets.version,
    })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
    .leftJoin(qcTargets, eq(qcTargets.id, iqcResults.targetId))
    .where(and(series, gte(iqcResults.measuredAt, from), lt(iqcResults.measuredAt, to), eq(iqcResults.current, true)))
    .orderBy(asc(iqcResults.measuredAt), asc(iqcResults.level), asc(iqcResults.id));
}

/** The runs holding a current result of the lab (of one item, if given) measured in [from, to): a
 * run that starts before `from` (across midnight at a month's end, or before a chart's first day)
 * belongs where its results are, as their values do, not where it started. */
export function runsOfResultsInRange(db: Conn, labId: number, from: number, to: number, analyteId?: number) {
  return db
    .selectDistinct({ id: iqcResults.runId })
    .from(iqcResults)
    .where(
      and(
        eq(iqcResults.labId, labId),
        analyteId !== undefined ? eq(iqcResults.analyteId, analyteId) : undefined,
        gte(iqcResults.measuredAt, from),
        lt(iqcResults.measuredAt, to),
        eq(iqcResults.current, true),
      ),
    );
}

/** The lab's own rows, said again for PostgreSQL (Citus routes by it). The runs already belong to the
 * lab: SQLite, without statistics, given the lab as well reads every row of the lab by the lab's
 * index and filters by run, where the run's index reads only the runs' rows. */
const labOnPg = (db: Conn, column: typeof iqcViolations.labId | typeof correctiveActions.labId, labId: number) => (dialectOf(db) === 'pg' ? eq(column, labId) : undefined);

/** The violations of {@link runsOfResultsInRange}: the monthly summary's and the chart's markers. */
export async function violationsOfResultsInRange(db: Conn, labId: number, from: number, to: number, analyteId?: number) {
  const runs = runsOfResultsInRange(db, labId, from, to, analyteId);
  return await db
    .select({ runId: iqcViolations.runId, analyteId: iqcViolations.analyteId, rule: iqcViolations.rule, levels: iqcViolations.levels, measuredAt: iqcViolations.measuredAt })
    .from(iqcViolations)
    .where(and(labOnPg(db, iqcViolations.labId, labId), inArray(iqcViolations.runId, runs)))
    .orderBy(asc(iqcViolations.measuredAt), asc(iqcViolations.id));
}

/** The corrective actions of the runs holding the item's current results measured in [from, to)
 * (the chart's points), wherever those runs start. */
export async function actionsOfResultsInRange(db: Conn, labId: number, analyteId: number, from: number, to: number) {
  return await db
    .select({ id: correctiveActions.id, runId: correctiveActions.runId, status: correctiveActions.status, cause: correctiveActions.cause, action: correctiveActions.action })
    .from(correctiveActions)
    .where(and(labOnPg(db, correctiveActions.labId, labId), inArray(correctiveActions.runId, runsOfResultsInRange(db, labId, from, to, analyteId))));
}

export async function violationsOfRuns(db: Conn, runIds: number[]) {
  if (!runIds.length) return [];
  const out: { runId: number; rule: string; levels: string[] }[] = [];
  for (let i = 0; i < runIds.length; i += 500) {
    out.push(
      ...await db
        .select({ runId: iqcViolations.runId, rule: iqcViolations.rule, levels: iqcViolations.levels })
        .from(iqcViolations)
        .where(inArray(iqcViolations.runId, runIds.slice(i, i + 500)))
        .orderBy(asc(iqcViolations.id)),
    );
  }
  return out;
}

/** Runs that start at one moment (two lots of a level at a crossover) show the worst status, not the
 * one that arrived first: a shown verdict depends on the data only. */
const WORST_STATUS_FIRST = sql.raw(`CASE x.status WHEN 'rejected' THEN 0 WHEN 'warning' THEN 1 WHEN 'accepted' THEN 2 WHEN 'no_target' THEN 3 ELSE 4 END`);

/** The latest run per analyte × instrument of a lab, and its open corrective actions per analyte × instrument (dashboard). */
export async function dashboardRows(db: Conn, labId: number) {
  // run counts from the daily aggregates (db/queries/daily-iqc.ts), the latest run by index
  const latest = await rawAll<{ analyteId: number; instrument: string; status: RunStatus; measuredAt: number; runs: number }>(db, sql`
    SELECT s.analyte_id AS analyteId, s.instrument, u.status, u.measured_at AS measuredAt, s.runs
    FROM (SELECT analyte_id, instrument, sum(runs) AS runs FROM iqc_daily_series WHERE lab_id = ${labId}
          GROUP BY analyte_id, instrument HAVING sum(runs) > 0) s
    JOIN iqc_runs u ON u.id = (
      SELECT x.id FROM iqc_runs x INDEXED BY iqc_runs_series_time_idx
      WHERE x.lab_id = ${labId} AND x.analyte_id = s.analyte_id AND x.instrument = s.instrument
      ORDER BY x.measured_at DESC, ${WORST_STATUS_FIRST}, coalesce(x.client_run_id, '') ASC, x.id ASC LIMIT 1)`);
  // per analyte × instrument, as the rows: an action belongs to its run's instrument
  const open = await rawAll<{ analyteId: number; instrument: string; n: number }>(db, sql`
    SELECT ca.analyte_id AS analyteId, u.instrument, count(*) AS n
    FROM corrective_actions ca JOIN iqc_runs u ON u.id = ca.run_id AND u.lab_id = ca.lab_id
    WHERE ca.lab_id = ${labId} AND ca.status = 'open' GROUP BY ca.analyte_id, u.instrument`);
  return { latest, open };
}

/** The results of the lab's analytes, stated for the index (lab, analyte, time): with the lab alone
 * it reads every result the lab ever stored to find a month's (one range per analyte instead). */
const labAnalytes = (labId: number) => inArray(iqcResults.analyteId, sql`(SELECT analyte_id FROM control_lots WHERE lab_id = ${labId})`);

/** Current results of a lab in [from, to) with run status and target mean (monthly summary). */
export async function summaryValues(db: Conn, labId: number, from: number, to: number) {
  return await db
    .select({
      runId: iqcResults.runId,
      analyteId: iqcResults.analyteId,
      level: iqcResults.level,
      lot: controlLots.lotNumber,
      instrument: controlLots.instrument,
      value: iqcResults.value,
      status: iqcRuns.status,
      excluded: iqcResults.excluded,
      mean: qcTargets.mean,
      sd: qcTargets.sd,
      measuredAt: iqcResults.measuredAt,
    })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
    .leftJoin(qcTargets, eq(qcTargets.id, iqcResults.targetId))
    .where(
      and(
        eq(iqcResults.labId, labId),
        labAnalytes(labId),
        gte(iqcResults.measuredAt, from),
        lt(iqcResults.measuredAt, to),
        eq(iqcResults.current, true),
        // a categorical reading counts by its signal (S/CO); without one its value is a grade, no statistic
        sql`(${iqcResults.category} IS NULL OR ${iqcResults.signal} IS NOT NULL)`,
      ),
    )
    .orderBy(asc(iqcResults.measuredAt));
}

/** Results for the API: current results of a lab (optionally one analyte) in [from, to). */
export async function resultsForApi(db: Conn, labId: number, from: number, to: number, analyteId?: number, limit = 50_000) {
  return await db
    .select({
      id: iqcResults.id,
      runId: iqcResults.runId,
      analyte: analytes.code,
      level: iqcResults.level,
      lot: controlLots.lotNumber,
      instrument: controlLots.instrument,
      value: iqcResults.value,
      category: iqcResults.category,
      signal: iqcResults.signal,
      z: iqcResults.z,
      measuredAt: iqcResults.measuredAt,
      version: iqcResults.version,
      status: iqcRuns.status,
      excluded: iqcResults.excluded,
      excludedReason: iqcResults.excludedReason,
    })
    .from(iqcResults)
    .innerJoin(iqcRuns, eq(iqcRuns.id, iqcResults.runId))
    .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
    .innerJoin(analytes, eq(analytes.id, iqcResults.analyteId))
    .where(
      and(
        eq(iqcResults.labId, labId),
        analyteId !== undefined ? eq(iqcResults.analyteId, analyteId) : labAnalytes(labId),
        gte(iqcResults.measuredAt, from),
        lt(iqcResults.measuredAt, to),
        eq(iqcResults.current, true),
      ),
    )
    // results of one time in one order on both backends (an LIS diffs by position)
    .orderBy(asc(iqcResults.measuredAt), asc(analytes.code), asc(iqcResults.level), asc(controlLots.instrument), asc(iqcResults.id))
    .limit(limit);
}

/** Runs of a lab in [from, to) in time order (optionally one analyte, one instrument), after a
 * keyset cursor (measuredAt, id), at most `limit`. */
export async function runsForApi(db: Conn, labId: number, q: { from: number; to: number; analyteId?: number; instrument?: string; after?: { measuredAt: number; id: number }; limit: number }) {
  return await db
    .select({ id: iqcRuns.id, analyte: analytes.code, instrument: iqcRuns.instrument, measuredAt: iqcRuns.measuredAt, status: iqcRuns.status })
    .from(iqcRuns)
    .innerJoin(analytes, eq(analytes.id, iqcRuns.analyteId))
    .where(
      and(
        eq(iqcRuns.labId, labId),
        gte(iqcRuns.measuredAt, q.from),
        lt(iqcRuns.measuredAt, q.to),
        q.analyteId !== undefined ? eq(iqcRuns.analyteId, q.analyteId) : undefined,
        q.instrument !== undefined ? eq(iqcRuns.instrument, q.instrument) : undefined,
        q.after ? sql`(${iqcRuns.measuredAt} > ${q.after.measuredAt} OR (${iqcRuns.measuredAt} = ${q.after.measuredAt} AND ${iqcRuns.id} > ${q.after.id}))` : undefined,
      ),
    )
    .orderBy(asc(iqcRuns.measuredAt), asc(iqcRuns.id))
    .limit(q.limit);
}

/** A result as its run's readers show it: what was read on which lot, its z, and whether the lab
 * excluded it (with controlLots joined). */
export const resultReadingCols = {
  runId: iqcResults.runId,
  measuredAt: iqcResults.measuredAt,
  level: iqcResults.level,
  lot: controlLots.lotNumber,
  value: iqcResults.value,
  category: iqcResults.category,
  signal: iqcResults.signal,
  z: iqcResults.z,
  excluded: iqcResults.excluded,
  excludedReason: iqcResults.excludedReason,
};

/** Current results of the given runs with their lot numbers (500 runs per query). */
export async function resultsOfRuns(db: Conn, runIds: number[]) {
  const out: { runId: number; level: string; lot: string; value: number; category: string | null; signal: number | null; z: number | null; measuredAt: number; excluded: boolean; excludedReason: string | null }[] = [];
  for (let i = 0; i < runIds.length; i += 500) {
    out.push(
      ...await db
        .select(resultReadingCols)
        .from(iqcResults)
        .innerJoin(controlLots, eq(controlLots.id, iqcResults.controlLotId))
        .where(and(inArray(iqcResults.runId, runIds.slice(i, i + 500)), eq(iqcResults.current, true))),
    );
  }
  return out;
}

/** Analytes with IQC data at a lab (for pickers). */
export async function analytesWithIqc(db: Conn, labId: number) {
  return await rawAll<{ id: number; code: string; nameEn: string; nameZh: string; unit: string }>(db, sql`
    SELECT a.id, a.code, a.name_en AS nameEn, a.name_zh AS nameZh, a.unit FROM analytes a
    WHERE a.id IN (SELECT DISTINCT analyte_id FROM control_lots WHERE lab_id = ${labId}) ORDER BY a.code`);
}

/** Result versions of one result chain (newest first), for the history shown after an edit. */
export async function resultHistory(db: Conn, runId: number) {
  return await db.select().from(iqcResults).where(eq(iqcResults.runId, runId)).orderBy(asc(iqcResults.level), desc(iqcResults.version));
}

/** The earlier versions (not current) of a lab's results at the given lot × time pairs: a resent
 * original of a corrected result is recognised by them. Read by the lot-and-time index. */
export async function supersededResultsAt(db: Conn, labId: number, at: readonly { lotId: number; measuredAt: number }[]) {
  const out: { lotId: number; measuredAt: number; value: number; category: string | null }[] = [];
  for (let i = 0; i < at.length; i += 500) {
    const part = at.slice(i, i + 500);
    const rows = await db
      .select({ lotId: iqcResults.controlLotId, measuredAt: iqcResults.measuredAt, value: iqcResults.value, category: iqcResults.category })
      .from(iqcResults)
      .where(and(eq(iqcResults.labId, labId), inArray(iqcResults.controlLotId, [...new Set(part.map((p) => p.lotId))]), inArray(iqcResults.measuredAt, [...new Set(part.map((p) => p.measuredAt))]), sql`NOT ${isTrue(iqcResults.current)}`));
    for (const r of rows) out.push({ ...r, value: Number(r.value) });
  }
  return out;
}

// Daily IQC aggregates (db/schema.ts iqcDailySeries, iqcDailyLots): the SQL that derives them from
// stored runs and results, and the reads of dashboards, the regional overview and eligibility.
// Both tables are a pure function of iqc_runs and iqc_results: a refresh deletes the days of a
// series and inserts them again from the stored rows (simple and exact, and it cannot drift).
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { Conn } from '../client';
import type { HasClient } from '../bulk';

/** The day (UTC+8, as lib/calendar's dayOf) of an epoch-ms column. */
const dayOfSql = (col: string) => `date((${col} + 28800000) / 1000, 'unixepoch')`;
/** The row's day is one of @days (a JSON array of 'YYYY-MM-DD'); @from/@to bound the index range. */
const inDays = (col: string) => `${dayOfSql(col)} IN (SELECT value FROM json_each(@days))`;

/**
 * The INSERT … SELECT of each table. With `series` the rows come from one lab × analyte ×
 * instrument in [@from, @to) (ms); without it from every stored row (the migration's backfill,
 * {@link rebuildIqcDaily}).
 */
export function dailySeriesSql(series: boolean): string {
  const runsWhere = series ? `WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument AND measured_at >= @from AND measured_at < @to AND ${inDays('measured_at')}` : '';
  const resWhere = series ? `AND res.lab_id = @lab AND res.analyte_id = @analyte AND u.instrument = @instrument AND res.measured_at >= @from AND res.measured_at < @to AND ${inDays('res.measured_at')}` : '';
  return `WITH r AS (
    SELECT lab_id, analyte_id, instrument, ${dayOfSql('measured_at')} AS day, count(*) AS runs, sum(status = 'rejected') AS rejected
    FROM iqc_runs ${runsWhere} GROUP BY lab_id, analyte_id, instrument, day),
  v AS (
    SELECT res.lab_id, res.analyte_id, u.instrument, ${dayOfSql('res.measured_at')} AS day, count(*) AS results, count(DISTINCT res.level) AS levels
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = 1 AND res.excluded = 0 ${resWhere} GROUP BY res.lab_id, res.analyte_id, u.instrument, day),
  d AS (SELECT lab_id, analyte_id, instrument, day FROM r UNION SELECT lab_id, analyte_id, instrument, day FROM v)
INSERT INTO iqc_daily_series (lab_id, analyte_id, instrument, day, runs, rejected_runs, results, levels)
SELECT d.lab_id, d.analyte_id, d.instrument, d.day, coalesce(r.runs, 0), coalesce(r.rejected, 0), coalesce(v.results, 0), coalesce(v.levels, 0)
FROM d LEFT JOIN r ON r.lab_id = d.lab_id AND r.analyte_id = d.analyte_id AND r.instrument = d.instrument AND r.day = d.day
       LEFT JOIN v ON v.lab_id = d.lab_id AND v.analyte_id = d.analyte_id AND v.instrument = d.instrument AND v.day = d.day`;
}

/** In-control = the value's run is not rejected (rejected points stay on the chart, out of the
 * statistics); n, mean and Σ(x − mean)² of those, two-pass per lot and day. */
export function dailyLotsSql(series: boolean): string {
  const resWhere = series ? `AND res.lab_id = @lab AND res.analyte_id = @analyte AND u.instrument = @instrument AND res.measured_at >= @from AND res.measured_at < @to AND ${inDays('res.measured_at')}` : '';
  return `WITH v AS (
    SELECT res.control_lot_id AS lot, ${dayOfSql('res.measured_at')} AS day, res.lab_id, res.analyte_id, res.level, res.value, u.status <> 'rejected' AS ok
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = 1 AND res.excluded = 0 ${resWhere}),
  m AS (SELECT lot, day, avg(CASE WHEN ok THEN value END) AS mean FROM v GROUP BY lot, day)
INSERT INTO iqc_daily_lots (control_lot_id, day, lab_id, analyte_id, level, results, n, mean, sum_sq_dev)
SELECT v.lot, v.day, v.lab_id, v.analyte_id, v.level, count(*), sum(v.ok), m.mean,
       coalesce(sum(CASE WHEN v.ok THEN (v.value - m.mean) * (v.value - m.mean) END), 0)
FROM v JOIN m ON m.lot = v.lot AND m.day = v.day
GROUP BY v.lot, v.day`;
}

function statements(client: Database.Database) {
  return {
    deleteSeries: client.prepare(
      'DELETE FROM iqc_daily_series WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument AND day IN (SELECT value FROM json_each(@days))',
    ),
    deleteLots: client.prepare(
      `DELETE FROM iqc_daily_lots WHERE lab_id = @lab AND day IN (SELECT value FROM json_each(@days))
         AND control_lot_id IN (SELECT id FROM control_lots WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument)`,
    ),
    insertSeries: client.prepare(dailySeriesSql(true)),
    insertLots: client.prepare(dailyLotsSql(true)),
  };
}
const cache = new WeakMap<Database.Database, ReturnType<typeof statements>>();

export interface SeriesDays {
  labId: number;
  analyteId: number;
  instrument: string;
  /** the days (YYYY-MM-DD, UTC+8) to recompute */
  days: readonly string[];
}

const DAY_MS = 86_400_000;
const startOfDayMs = (day: string) => Date.parse(`${day}T00:00:00Z`) - 8 * 3_600_000;

/** Recompute the daily aggregates of a series on the given days from the stored runs and results.
 * The caller holds the write transaction (the one that changed them). */
export function refreshIqcDaily(db: HasClient, d: SeriesDays): void {
  if (!d.days.length) return;
  let s = cache.get(db.$client);
  if (!s) cache.set(db.$client, (s = statements(db.$client)));
  const sorted = [...d.days].sort();
  const days = JSON.stringify(sorted);
  const p = { lab: d.labId, analyte: d.analyteId, instrument: d.instrument, days };
  s.deleteSeries.run(p);
  s.deleteLots.run(p);
  const range = { ...p, from: startOfDayMs(sorted[0]), to: startOfDayMs(sorted[sorted.length - 1]) + DAY_MS };
  s.insertSeries.run(range);
  s.insertLots.run(range);
}

/** Recompute both tables from every stored run and result (a repair; the migration backfills the same way). */
export function rebuildIqcDaily(db: HasClient): void {
  db.$client.exec(`DELETE FROM iqc_daily_series; DELETE FROM iqc_daily_lots; ${dailySeriesSql(false)}; ${dailyLotsSql(false)};`);
}

// ---------------------------------------------------------------------------------------------
// Reads

const idList = (ids: readonly number[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/** Per lab × analyte × day in [fromDay, toDay): distinct control levels with a current, not excluded
 * result (any instrument). */
export function levelDaysOfLabs(db: Conn, labIds: readonly number[], fromDay: string, toDay: string) {
  if (!labIds.length) return [];
  return db.all<{ labId: number; analyteId: number; day: string; levels: number }>(sql`
    SELECT lab_id AS labId, analyte_id AS analyteId, day, count(DISTINCT level) AS levels
    FROM iqc_daily_lots WHERE lab_id IN (${idList(labIds)}) AND day >= ${fromDay} AND day < ${toDay}
    GROUP BY lab_id, analyte_id, day`);
}

/** Per control lot and day in [fromDay, toDay): the in-control moments, with the lot's instrument,
 * lot number and level (the CV criterion's groups). */
export function lotMomentsOfLabs(db: Conn, labIds: readonly number[], fromDay: string, toDay: string) {
  if (!labIds.length) return [];
  return db.all<{ labId: number; analyteId: number; controlLotId: number; instrument: string; lot: string; level: string; day: string; n: number; mean: number | null; sumSqDev: number }>(sql`
    SELECT d.lab_id AS labId, d.analyte_id AS analyteId, d.control_lot_id AS controlLotId, l.instrument, l.lot_number AS lot, d.level, d.day,
           d.n, d.mean, d.sum_sq_dev AS sumSqDev
    FROM iqc_daily_lots d JOIN control_lots l ON l.id = d.control_lot_id
    WHERE d.lab_id IN (${idList(labIds)}) AND d.day >= ${fromDay} AND d.day < ${toDay} AND d.n > 0
    ORDER BY d.control_lot_id, d.day`);
}

/** Per analyte × instrument of a lab: runs in total and the day of the latest (the lab dashboard). */
export function seriesTotalsOfLab(db: Conn, labId: number) {
  return db.all<{ analyteId: number; instrument: string; runs: number; lastDay: string }>(sql`
    SELECT analyte_id AS analyteId, instrument, sum(runs) AS runs, max(day) AS lastDay
    FROM iqc_daily_series WHERE lab_id = ${labId} AND runs > 0 GROUP BY analyte_id, instrument`);
}

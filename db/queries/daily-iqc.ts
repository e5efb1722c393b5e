// Daily IQC aggregates (db/schema/iqc.ts iqcDailySeries, iqcDailyLots): the SQL that derives them from
// stored runs and results, and the reads of dashboards, the regional overview and eligibility.
// Both tables are a pure function of iqc_runs and iqc_results: a refresh deletes the days of a
// series and inserts them again from the stored rows (simple and exact, and it cannot drift).
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { bulkWriter, type HasClient } from '../bulk';
import { iqcDailyLots, iqcDailySeries } from '../schema';
import { momentsOf } from '@/lib/stats/moments';

/** The day (UTC+8, as lib/calendar's dayOf) of an epoch-ms column. */
/** Levels a lab × analyte needs on a day for the regional overview to count it covered. */
export const COVERED_LEVELS = 2;

const dayOfSql = (col: string) => `date((${col} + 28800000) / 1000, 'unixepoch')`;

/** The INSERT … SELECT of each table from every stored row: the migration's backfill and
 * {@link rebuildIqcDaily} (a series' days are refreshed by {@link refreshIqcDaily}). */
export function dailySeriesSql(): string {
  return `WITH r AS (
    SELECT lab_id, analyte_id, instrument, ${dayOfSql('measured_at')} AS day, count(*) AS runs, sum(status = 'rejected') AS rejected
    FROM iqc_runs GROUP BY lab_id, analyte_id, instrument, day),
  v AS (
    SELECT res.lab_id, res.analyte_id, u.instrument, ${dayOfSql('res.measured_at')} AS day, count(*) AS results, count(DISTINCT res.level) AS levels
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = 1 AND res.excluded = 0 GROUP BY res.lab_id, res.analyte_id, u.instrument, day),
  d AS (SELECT lab_id, analyte_id, instrument, day FROM r UNION SELECT lab_id, analyte_id, instrument, day FROM v)
INSERT INTO iqc_daily_series (lab_id, analyte_id, instrument, day, runs, rejected_runs, results, levels)
SELECT d.lab_id, d.analyte_id, d.instrument, d.day, coalesce(r.runs, 0), coalesce(r.rejected, 0), coalesce(v.results, 0), coalesce(v.levels, 0)
FROM d LEFT JOIN r ON r.lab_id = d.lab_id AND r.analyte_id = d.analyte_id AND r.instrument = d.instrument AND r.day = d.day
       LEFT JOIN v ON v.lab_id = d.lab_id AND v.analyte_id = d.analyte_id AND v.instrument = d.instrument AND v.day = d.day`;
}

/** In-control = the value's run is not rejected (rejected points stay on the chart, out of the
 * statistics); n, mean and Σ(x − mean)² of those, two-pass per lot and day (the day's mean as a
 * window aggregate, then the squared deviations from it). */
export function dailyLotsSql(): string {
  return `WITH v AS (
    SELECT res.control_lot_id AS lot, ${dayOfSql('res.measured_at')} AS day, res.lab_id, res.analyte_id, res.level, res.value, u.status <> 'rejected' AS ok
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = 1 AND res.excluded = 0),
  w AS (SELECT v.*, avg(CASE WHEN ok THEN value END) OVER (PARTITION BY lot, day) AS mean FROM v)
INSERT INTO iqc_daily_lots (control_lot_id, day, lab_id, analyte_id, level, results, n, mean, sum_sq_dev)
SELECT lot, day, lab_id, analyte_id, level, count(*), sum(ok), mean,
       coalesce(sum(CASE WHEN ok THEN (value - mean) * (value - mean) END), 0)
FROM w GROUP BY lot, day`;
}

/** Lab × analyte × day levels from the control-lot rows, and the region roll-ups from those (the
 * migration's backfill and {@link rebuildIqcDaily}; {@link refreshIqcDaily} keeps them by delta). */
export const ROLLUP_SQL = [
  `INSERT INTO iqc_daily_pairs (lab_id, analyte_id, day, levels)
   SELECT lab_id, analyte_id, day, count(DISTINCT level) FROM iqc_daily_lots GROUP BY lab_id, analyte_id, day`,
  `INSERT INTO iqc_region_days (region_id, day, covered_pairs)
   SELECT l.region_id, p.day, sum(p.levels >= ${COVERED_LEVELS}) FROM iqc_daily_pairs p JOIN laboratories l ON l.id = p.lab_id
   GROUP BY l.region_id, p.day HAVING sum(p.levels >= ${COVERED_LEVELS}) > 0`,
  `INSERT INTO iqc_region_months (region_id, month, pairs)
   SELECT l.region_id, substr(p.day, 1, 7), count(DISTINCT p.lab_id || ':' || p.analyte_id) FROM iqc_daily_pairs p JOIN laboratories l ON l.id = p.lab_id
   GROUP BY l.region_id, substr(p.day, 1, 7)`,
];

function statements(client: Database.Database) {
  return {
    deleteSeries: client.prepare(
      'DELETE FROM iqc_daily_series WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument AND day IN (SELECT value FROM json_each(@days))',
    ),
    deleteLots: client.prepare(
      `DELETE FROM iqc_daily_lots WHERE lab_id = @lab AND day IN (SELECT value FROM json_each(@days))
         AND control_lot_id IN (SELECT id FROM control_lots WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument)`,
    ),
    /** [measured_at, rejected] of the series' runs in [@from, @to) */
    runs: client
      .prepare<{ lab: number; analyte: number; instrument: string; from: number; to: number }, [number, number]>(
        `SELECT measured_at, status = 'rejected' FROM iqc_runs INDEXED BY iqc_runs_lab_analyte_time_idx
         WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument AND measured_at >= @from AND measured_at < @to`,
      )
      .raw(),
    /** [control lot, level, value, measured_at, in control] of the series' current, not excluded results */
    results: client
      .prepare<{ lab: number; analyte: number; instrument: string; from: number; to: number }, [number, string, number, number, number]>(
        `SELECT res.control_lot_id, res.level, res.value, res.measured_at, u.status <> 'rejected'
         FROM iqc_results res INDEXED BY iqc_results_lab_analyte_time_idx JOIN iqc_runs u ON u.id = res.run_id
         WHERE res.lab_id = @lab AND res.analyte_id = @analyte AND res.measured_at >= @from AND res.measured_at < @to
           AND res.current = 1 AND res.excluded = 0 AND u.instrument = @instrument`,
      )
      .raw(),
    labRegion: client.prepare<[number], { regionId: number }>('SELECT region_id AS regionId FROM laboratories WHERE id = ?'),
    pairDays: client.prepare<[number, number, string, string], { day: string; levels: number }>(
      'SELECT day, levels FROM iqc_daily_pairs WHERE lab_id = ? AND analyte_id = ? AND day >= ? AND day <= ?',
    ),
    lotLevelsOfDays: client.prepare<[number, string, number], { day: string; levels: number }>(
      `SELECT day, count(DISTINCT level) AS levels FROM iqc_daily_lots
       WHERE lab_id = ? AND day IN (SELECT value FROM json_each(?)) AND analyte_id = ? GROUP BY day`,
    ),
    setPair: client.prepare<[number, number, string, number]>(
      'INSERT INTO iqc_daily_pairs (lab_id, analyte_id, day, levels) VALUES (?, ?, ?, ?) ON CONFLICT (lab_id, analyte_id, day) DO UPDATE SET levels = excluded.levels',
    ),
    deletePair: client.prepare<[number, number, string]>('DELETE FROM iqc_daily_pairs WHERE lab_id = ? AND analyte_id = ? AND day = ?'),
    addCovered: client.prepare<[number, string, number]>(
      'INSERT INTO iqc_region_days (region_id, day, covered_pairs) VALUES (?, ?, ?) ON CONFLICT (region_id, day) DO UPDATE SET covered_pairs = covered_pairs + excluded.covered_pairs',
    ),
    dropEmptyCovered: client.prepare<[number, string]>('DELETE FROM iqc_region_days WHERE region_id = ? AND day = ? AND covered_pairs = 0'),
    addMonthPairs: client.prepare<[number, string, number]>(
      'INSERT INTO iqc_region_months (region_id, month, pairs) VALUES (?, ?, ?) ON CONFLICT (region_id, month) DO UPDATE SET pairs = pairs + excluded.pairs',
    ),
    dropEmptyMonth: client.prepare<[number, string]>('DELETE FROM iqc_region_months WHERE region_id = ? AND month = ? AND pairs = 0'),
  };
}
type DailyStatements = ReturnType<typeof statements>;
const cache = new WeakMap<Database.Database, DailyStatements>();

export interface SeriesDays {
  labId: number;
  analyteId: number;
  instrument: string;
  /** the days (YYYY-MM-DD, UTC+8) to recompute */
  days: readonly string[];
}

const DAY_MS = 86_400_000;
const OFFSET_MS = 8 * 3_600_000;
const startOfDayMs = (day: string) => Date.parse(`${day}T00:00:00Z`) - OFFSET_MS;

/**
 * Recompute the daily aggregates of a series on the given days from the stored runs and results:
 * the days' rows are deleted, the series' rows of those days read back (two indexed range reads)
 * and summed here, and the new rows written by the bulk writer. The same figures as
 * {@link dailySeriesSql}/{@link dailyLotsSql} (the integration test checks both against raw rows).
 * The caller holds the write transaction (the one that changed them).
 */
export function refreshIqcDaily(db: HasClient, d: SeriesDays): void {
  if (!d.days.length) return;
  let s = cache.get(db.$client);
  if (!s) cache.set(db.$client, (s = statements(db.$client)));
  const sorted = [...d.days].sort();
  const wanted = new Set(sorted);
  const p = { lab: d.labId, analyte: d.analyteId, instrument: d.instrument, days: JSON.stringify(sorted) };
  s.deleteSeries.run(p);
  s.deleteLots.run(p);
  const range = { lab: d.labId, analyte: d.analyteId, instrument: d.instrument, from: startOfDayMs(sorted[0]), to: startOfDayMs(sorted[sorted.length - 1]) + DAY_MS };
  // day of an instant: the day index since the epoch in UTC+8, named once per index
  const names = new Map<number, string>();
  const dayName = (t: number) => {
    const k = Math.floor((t + OFFSET_MS) / DAY_MS);
    let name = names.get(k);
    if (name === undefined) names.set(k, (name = new Date(k * DAY_MS).toISOString().slice(0, 10)));
    return name;
  };
  const series = new Map<string, { runs: number; rejectedRuns: number; results: number; levels: Set<string> }>();
  const seriesDay = (day: string) => {
    let x = series.get(day);
    if (!x) series.set(day, (x = { runs: 0, rejectedRuns: 0, results: 0, levels: new Set() }));
    return x;
  };
  for (const [at, rejected] of s.runs.all(range)) {
    const day = dayName(at);
    if (!wanted.has(day)) continue;
    const x = seriesDay(day);
    x.runs++;
    if (rejected) x.rejectedRuns++;
  }
  const lots = new Map<string, { controlLotId: number; day: string; level: string; results: number; inControl: number[] }>();
  for (const [controlLotId, level, value, at, inControl] of s.results.all(range)) {
    const day = dayName(at);
    if (!wanted.has(day)) continue;
    const x = seriesDay(day);
    x.results++;
    x.levels.add(level);
    const key = `${controlLotId}|${day}`;
    let l = lots.get(key);
    if (!l) lots.set(key, (l = { controlLotId, day, level, results: 0, inControl: [] }));
    l.results++;
    if (inControl) l.inControl.push(value);
  }
  const seriesRows = bulkWriter(db, iqcDailySeries);
  for (const [day, x] of series) {
    seriesRows.add({ labId: d.labId, analyteId: d.analyteId, instrument: d.instrument, day, runs: x.runs, rejectedRuns: x.rejectedRuns, results: x.results, levels: x.levels.size });
  }
  seriesRows.flush();
  const lotRows = bulkWriter(db, iqcDailyLots);
  for (const l of lots.values()) {
    const m = momentsOf(l.inControl);
    lotRows.add({ controlLotId: l.controlLotId, day: l.day, labId: d.labId, analyteId: d.analyteId, level: l.level, results: l.results, n: m.n, mean: m.n ? m.mean : null, sumSqDev: m.sumSqDev });
  }
  lotRows.flush();
  refreshRollups(s, d.labId, d.analyteId, sorted);
}

/**
 * Bring the lab × analyte day levels and the region roll-ups up to date for `days` (sorted; after
 * the control-lot rows of those days changed): the pair's levels of the touched days are read again
 * from the lots (all instruments), and the region's covered pair-days and month pairs move by the
 * difference. Two reads, then writes for the days that changed only.
 */
function refreshRollups(s: DailyStatements, labId: number, analyteId: number, days: readonly string[]): void {
  const regionId = s.labRegion.get(labId)?.regionId;
  if (regionId === undefined) return;
  // the pair's days of every touched month (month presence), and the touched days' new levels
  const levels = new Map<string, number>();
  for (const r of s.pairDays.all(labId, analyteId, `${days[0].slice(0, 7)}-01`, `${days[days.length - 1].slice(0, 7)}-31`)) levels.set(r.day, r.levels);
  const after = new Map<string, number>();
  for (const r of s.lotLevelsOfDays.all(labId, JSON.stringify(days), analyteId)) after.set(r.day, r.levels);
  const monthHas = (month: string) => {
    for (const [day, n] of levels) if (n > 0 && day.startsWith(month)) return true;
    return false;
  };
  const monthsBefore = new Map<string, boolean>();
  for (const day of days) {
    const month = day.slice(0, 7);
    if (!monthsBefore.has(month)) monthsBefore.set(month, monthHas(month));
  }
  for (const day of days) {
    const before = levels.get(day) ?? 0;
    const now = after.get(day) ?? 0;
    if (before === now) continue;
    if (now > 0) s.setPair.run(labId, analyteId, day, now);
    else s.deletePair.run(labId, analyteId, day);
    levels.set(day, now);
    const covered = Number(now >= COVERED_LEVELS) - Number(before >= COVERED_LEVELS);
    if (covered) {
      s.addCovered.run(regionId, day, covered);
      if (covered < 0) s.dropEmptyCovered.run(regionId, day);
    }
  }
  for (const [month, had] of monthsBefore) {
    const has = monthHas(month);
    if (has === had) continue;
    s.addMonthPairs.run(regionId, month, has ? 1 : -1);
    if (!has) s.dropEmptyMonth.run(regionId, month);
  }
}

/** Recompute every daily table from the stored runs and results (a repair; the migrations
 * backfill the same way). */
export function rebuildIqcDaily(db: HasClient): void {
  db.$client.exec(
    `DELETE FROM iqc_daily_series; DELETE FROM iqc_daily_lots; DELETE FROM iqc_daily_pairs; DELETE FROM iqc_region_days; DELETE FROM iqc_region_months;
     ${dailySeriesSql()}; ${dailyLotsSql()}; ${ROLLUP_SQL.join('; ')};`,
  );
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

/**
 * A lab moved to another region: its covered pair-days and month pairs move from the old region's
 * roll-ups to the new one's (called by updateLabRow in the same transaction as the move).
 */
export function moveLabRollups(db: Conn, labId: number, fromRegionId: number, toRegionId: number): void {
  if (fromRegionId === toRegionId) return;
  for (const [regionId, sign] of [
    [toRegionId, 1],
    [fromRegionId, -1],
  ] as const) {
    db.run(sql`
      INSERT INTO iqc_region_days (region_id, day, covered_pairs)
      SELECT ${regionId}, day, ${sign} * n FROM (
        SELECT day, sum(levels >= ${COVERED_LEVELS}) AS n FROM iqc_daily_pairs WHERE lab_id = ${labId} GROUP BY day HAVING n > 0) WHERE true
      ON CONFLICT (region_id, day) DO UPDATE SET covered_pairs = covered_pairs + excluded.covered_pairs`);
    db.run(sql`
      INSERT INTO iqc_region_months (region_id, month, pairs)
      SELECT ${regionId}, month, ${sign} * n FROM (
        SELECT substr(day, 1, 7) AS month, count(DISTINCT analyte_id) AS n FROM iqc_daily_pairs WHERE lab_id = ${labId} GROUP BY month) WHERE true
      ON CONFLICT (region_id, month) DO UPDATE SET pairs = pairs + excluded.pairs`);
  }
  db.run(sql`DELETE FROM iqc_region_days WHERE region_id = ${fromRegionId} AND covered_pairs = 0`);
  db.run(sql`DELETE FROM iqc_region_months WHERE region_id = ${fromRegionId} AND pairs = 0`);
}

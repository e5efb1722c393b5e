// Daily IQC aggregates (db/schema/iqc.ts iqcDailySeries, iqcDailyLots): the SQL that derives them from
// stored runs and results, and the reads of dashboards, the regional overview and eligibility.
// Both tables are a pure function of iqc_runs and iqc_results: a refresh deletes the days of a
// series and inserts them again, summed from the stored rows, or for days the series never had from
// the rows the ingest just wrote (exact either way; test/integration/iqc-daily.test.ts compares
// every step of random ingests with a rebuild from scratch).
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { bulkWriter, type HasClient } from '../bulk';
import { iqcDailyLots, iqcDailyPairs, iqcDailySeries } from '../schema';
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
    /** the days (of @days) that had a row; the range lets the primary key bound the scan */
    deleteSeries: client
      .prepare<{ lab: number; analyte: number; instrument: string; first: string; last: string; days: string }, string>(
        `DELETE FROM iqc_daily_series WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument AND day >= @first AND day <= @last
           AND day IN (SELECT value FROM json_each(@days)) RETURNING day`,
      )
      .pluck(),
    deleteLots: client.prepare(
      `DELETE FROM iqc_daily_lots WHERE control_lot_id IN (SELECT id FROM control_lots WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument)
         AND day >= @first AND day <= @last AND day IN (SELECT value FROM json_each(@days))`,
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
    /** [day, levels] */
    pairDays: client
      .prepare<[number, number, string, string], [string, number]>('SELECT day, levels FROM iqc_daily_pairs WHERE lab_id = ? AND analyte_id = ? AND day >= ? AND day <= ?')
      .raw(),
    /** [day, distinct levels] over every instrument's control lots (each lot's key range) */
    lotLevelsOfDays: client
      .prepare<[number, number, string], [string, number]>(
        `SELECT d.day, count(DISTINCT d.level) FROM control_lots l JOIN iqc_daily_lots d ON d.control_lot_id = l.id
         WHERE l.lab_id = ? AND l.analyte_id = ? AND d.day IN (SELECT value FROM json_each(?)) GROUP BY d.day`,
      )
      .raw(),
    setPair: client.prepare<[number, number, number, string]>('UPDATE iqc_daily_pairs SET levels = ? WHERE lab_id = ? AND analyte_id = ? AND day = ?'),
    deletePair: client.prepare<[number, number, string]>('DELETE FROM iqc_daily_pairs WHERE lab_id = ? AND analyte_id = ? AND day = ?'),
    /** add the covered pair-days of a JSON object {day: delta} to a region */
    addCovered: client.prepare<{ region: number; deltas: string }>(
      `INSERT INTO iqc_region_days (region_id, day, covered_pairs) SELECT @region, key, value FROM json_each(@deltas) WHERE true
       ON CONFLICT (region_id, day) DO UPDATE SET covered_pairs = covered_pairs + excluded.covered_pairs`,
    ),
    dropEmptyCovered: client.prepare<{ region: number; deltas: string }>(
      'DELETE FROM iqc_region_days WHERE region_id = @region AND day IN (SELECT key FROM json_each(@deltas) WHERE value < 0) AND covered_pairs = 0',
    ),
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

/**
 * The runs and current results of a series as the writer left them (it knows them without reading
 * back): `each` calls `run` for every run of the re-judged region (its start, whether rejected) and
 * `result` for every current, not excluded result of those runs (control lot, level, value, time,
 * whether its run is in control). {@link refreshIqcDaily} takes the days that had no aggregate rows
 * before from these: such a day held no run and no counted result of the series, so after the write
 * it holds exactly the written ones.
 */
export interface WrittenSeries {
  each(run: (measuredAt: number, rejected: boolean) => void, result: (controlLotId: number, level: string, value: number, measuredAt: number, inControl: boolean) => void): void;
}

const DAY_MS = 86_400_000;
const OFFSET_MS = 8 * 3_600_000;
/** day index since the epoch (UTC+8) of an instant, and of a day name */
const dayIndexOf = (t: number) => Math.floor((t + OFFSET_MS) / DAY_MS);
const dayIndexOfName = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const startOfDayMs = (day: string) => dayIndexOfName(day) * DAY_MS - OFFSET_MS;
/** control lot × day key (day indices stay below 2^16 until 2149) */
const lotDayKey = (controlLotId: number, k: number) => controlLotId * 65_536 + k;

interface SeriesDay {
  day: string;
  runs: number;
  rejectedRuns: number;
  results: number;
  levels: Set<string>;
}
interface LotDay {
  controlLotId: number;
  day: string;
  level: string;
  results: number;
  inControl: number[];
}

/** Sums of a series' runs and results per day (UTC+8), counting only the days (indices) of `days`. */
class DayAccumulator {
  readonly series = new Map<number, SeriesDay>();
  readonly lots = new Map<number, LotDay>();
  /** counted day indices → their names */
  private days: ReadonlyMap<number, string> = new Map();

  /** rows come in time order: the last day looked up is kept (undefined: not a counted day) */
  private lastK = NaN;
  private last: SeriesDay | undefined;

  /** the figures of day index k, or undefined when k is not one of `days` */
  private seriesDay(k: number): SeriesDay | undefined {
    if (k === this.lastK) return this.last;
    this.lastK = k;
    const day = this.days.get(k);
    if (day === undefined) return (this.last = undefined);
    let x = this.series.get(k);
    if (!x) this.series.set(k, (x = { day, runs: 0, rejectedRuns: 0, results: 0, levels: new Set() }));
    return (this.last = x);
  }

  /** count only the days of `days` (index → name) from now on */
  only(days: ReadonlyMap<number, string>): void {
    this.days = days;
    this.lastK = NaN;
  }

  readonly run = (at: number, rejected: boolean | number): void => {
    const x = this.seriesDay(dayIndexOf(at));
    if (!x) return;
    x.runs++;
    if (rejected) x.rejectedRuns++;
  };

  readonly result = (controlLotId: number, level: string, value: number, at: number, inControl: boolean | number): void => {
    const k = dayIndexOf(at);
    const x = this.seriesDay(k);
    if (!x) return;
    x.results++;
    x.levels.add(level);
    const key = lotDayKey(controlLotId, k);
    let l = this.lots.get(key);
    if (!l) this.lots.set(key, (l = { controlLotId, day: x.day, level, results: 0, inControl: [] }));
    l.results++;
    if (inControl) l.inControl.push(value);
  };
}

/**
 * Recompute the daily aggregates of a series on the given days, in the caller's write transaction
 * (the one that changed the runs and results). The days' series rows are deleted; a day that had
 * one is recomputed from the stored runs and results (two indexed range reads), a day that had none
 * from `written` when the writer gives it (append-only ingest reads nothing back), else from the
 * stored rows too. The new rows go through the bulk writer, and the roll-ups move by delta
 * ({@link refreshRollups}). The same figures as {@link dailySeriesSql}/{@link dailyLotsSql} (the
 * integration tests check both against raw rows and against {@link rebuildIqcDaily}).
 */
export function refreshIqcDaily(db: HasClient, d: SeriesDays, written?: WrittenSeries): void {
  if (!d.days.length) return;
  let s = cache.get(db.$client);
  if (!s) cache.set(db.$client, (s = statements(db.$client)));
  const sorted = [...new Set(d.days)].sort();
  const p = { lab: d.labId, analyte: d.analyteId, instrument: d.instrument, first: sorted[0], last: sorted[sorted.length - 1], days: JSON.stringify(sorted) };
  // days that had aggregate rows (a control-lot row of a day implies the series row of that day)
  const stale = s.deleteSeries.all(p).sort();
  if (stale.length) s.deleteLots.run({ ...p, first: stale[0], last: stale[stale.length - 1], days: JSON.stringify(stale) });
  const acc = new DayAccumulator();
  const readDays = written ? stale : sorted;
  const byIndex = (days: readonly string[]) => new Map(days.map((day) => [dayIndexOfName(day), day]));
  if (written && stale.length < sorted.length) {
    const fresh = byIndex(sorted);
    for (const day of stale) fresh.delete(dayIndexOfName(day));
    acc.only(fresh);
    written.each(acc.run, acc.result);
  }
  if (readDays.length) {
    const range = { lab: d.labId, analyte: d.analyteId, instrument: d.instrument, from: startOfDayMs(readDays[0]), to: startOfDayMs(readDays[readDays.length - 1]) + DAY_MS };
    acc.only(byIndex(readDays));
    for (const [at, rejected] of s.runs.all(range)) acc.run(at, rejected);
    for (const [lot, level, value, at, inControl] of s.results.all(range)) acc.result(lot, level, value, at, inControl);
  }
  const seriesRows = bulkWriter(db, iqcDailySeries);
  for (const x of acc.series.values()) {
    seriesRows.add({ labId: d.labId, analyteId: d.analyteId, instrument: d.instrument, day: x.day, runs: x.runs, rejectedRuns: x.rejectedRuns, results: x.results, levels: x.levels.size });
  }
  seriesRows.flush();
  const lotRows = bulkWriter(db, iqcDailyLots);
  for (const l of acc.lots.values()) {
    const m = momentsOf(l.inControl);
    lotRows.add({ controlLotId: l.controlLotId, day: l.day, labId: d.labId, analyteId: d.analyteId, level: l.level, results: l.results, n: m.n, mean: m.n ? m.mean : null, sumSqDev: m.sumSqDev });
  }
  lotRows.flush();
  const levels = new Map<string, number>();
  for (const x of acc.series.values()) levels.set(x.day, x.levels.size);
  refreshRollups(db, s, d.labId, d.analyteId, sorted, levels);
}

/**
 * Bring the lab × analyte day levels and the region roll-ups up to date for `days` (sorted; after
 * the series' control-lot rows of those days changed; `seriesLevels` holds the series' new number of
 * levels per day). A day without a pair row before had no control-lot row on any instrument, so its levels
 * now are the series' own; only days that had one read the lots again (all instruments). New pair
 * rows go through the bulk writer, the region's covered pair-days move by one statement for all
 * days, and its month pairs by the months whose presence changed.
 */
function refreshRollups(db: HasClient, s: DailyStatements, labId: number, analyteId: number, days: readonly string[], seriesLevels: ReadonlyMap<string, number>): void {
  const regionId = s.labRegion.get(labId)?.regionId;
  if (regionId === undefined) return;
  // the pair's days of every touched month (month presence and the touched days' levels before)
  const levels = new Map<string, number>();
  for (const [day, n] of s.pairDays.all(labId, analyteId, `${days[0].slice(0, 7)}-01`, `${days[days.length - 1].slice(0, 7)}-31`)) levels.set(day, n);
  const after = new Map<string, number>();
  const shared: string[] = [];
  for (const day of days) {
    if (levels.has(day)) shared.push(day);
    else after.set(day, seriesLevels.get(day) ?? 0);
  }
  if (shared.length) {
    for (const day of shared) after.set(day, 0);
    for (const [day, n] of s.lotLevelsOfDays.all(labId, analyteId, JSON.stringify(shared))) after.set(day, n);
  }
  // days with levels per touched month, before and as the days change
  const monthDays = new Map<string, number>();
  for (const day of days) monthDays.set(day.slice(0, 7), 0);
  for (const [day, n] of levels) {
    const month = day.slice(0, 7);
    const m = monthDays.get(month);
    if (n > 0 && m !== undefined) monthDays.set(month, m + 1);
  }
  const monthsBefore = new Map([...monthDays].map(([month, n]) => [month, n > 0]));
  const newPairs = bulkWriter(db, iqcDailyPairs);
  const covered: Record<string, number> = {};
  let coveredChanged = false;
  let coveredDropped = false;
  for (const day of days) {
    const before = levels.get(day) ?? 0;
    const now = after.get(day)!;
    if (before === now) continue;
    if (!before) newPairs.add({ labId, analyteId, day, levels: now });
    else if (now > 0) s.setPair.run(now, labId, analyteId, day);
    else s.deletePair.run(labId, analyteId, day);
    const month = day.slice(0, 7);
    monthDays.set(month, monthDays.get(month)! + Number(now > 0) - Number(before > 0));
    const delta = Number(now >= COVERED_LEVELS) - Number(before >= COVERED_LEVELS);
    if (delta) {
      covered[day] = delta;
      coveredChanged = true;
      if (delta < 0) coveredDropped = true;
    }
  }
  newPairs.flush();
  if (coveredChanged) {
    const deltas = JSON.stringify(covered);
    s.addCovered.run({ region: regionId, deltas });
    if (coveredDropped) s.dropEmptyCovered.run({ region: regionId, deltas });
  }
  for (const [month, had] of monthsBefore) {
    const has = monthDays.get(month)! > 0;
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
 * result (any instrument). The labs' control lots, then each lot's days (its key range). */
export function levelDaysOfLabs(db: Conn, labIds: readonly number[], fromDay: string, toDay: string) {
  if (!labIds.length) return [];
  return db.all<{ labId: number; analyteId: number; day: string; levels: number }>(sql`
    SELECT d.lab_id AS labId, d.analyte_id AS analyteId, d.day, count(DISTINCT d.level) AS levels
    FROM control_lots l JOIN iqc_daily_lots d ON d.control_lot_id = l.id
    WHERE l.lab_id IN (${idList(labIds)}) AND d.day >= ${fromDay} AND d.day < ${toDay}
    GROUP BY d.lab_id, d.analyte_id, d.day`);
}

/** Per control lot and day in [fromDay, toDay): the in-control moments, with the lot's instrument,
 * lot number and level (the CV criterion's groups). */
export function lotMomentsOfLabs(db: Conn, labIds: readonly number[], fromDay: string, toDay: string) {
  if (!labIds.length) return [];
  return db.all<{ labId: number; analyteId: number; controlLotId: number; instrument: string; lot: string; level: string; day: string; n: number; mean: number | null; sumSqDev: number }>(sql`
    SELECT d.lab_id AS labId, d.analyte_id AS analyteId, d.control_lot_id AS controlLotId, l.instrument, l.lot_number AS lot, d.level, d.day,
           d.n, d.mean, d.sum_sq_dev AS sumSqDev
    FROM control_lots l JOIN iqc_daily_lots d ON d.control_lot_id = l.id
    WHERE l.lab_id IN (${idList(labIds)}) AND d.day >= ${fromDay} AND d.day < ${toDay} AND d.n > 0
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

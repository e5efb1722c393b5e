// Refresh of the daily IQC aggregates (db/schema/iqc.ts iqcDailySeries, iqcDailyLots) of a series'
// days, in the writer's transaction. Both tables are a pure function of iqc_runs and iqc_results: a
// refresh deletes the days of a series and inserts them again, summed from the stored rows, or for
// days the series never had from the rows the ingest just wrote (exact either way;
// test/integration/iqc-daily.test.ts compares every step of random ingests with a rebuild from
// scratch, ./daily-iqc-rebuild.ts). The roll-ups follow by delta (./daily-iqc-rollups.ts).
// PostgreSQL: db/pg/daily-iqc-refresh.ts (set-based per series and day, reached through iqcDailyBatch
// given the PostgreSQL IQC statements); the statements below are SQLite's.
import type Database from 'better-sqlite3';
import { bulkWriter, type HasClient } from '../bulk';
import { iqcDailyLots, iqcDailySeries } from '../schema';
import { momentsOf } from '@/lib/stats/moments';
import { refreshRollups, type RefreshedPairDays } from './daily-iqc-rollups';
import { pgIqcDailyBatch, type QueuedWriter } from '../pg/daily-iqc-refresh';

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
    /** the series' last day with a row (the key's end) */
    lastDay: client
      .prepare<[number, number, string], string | null>('SELECT max(day) FROM iqc_daily_series WHERE lab_id = ? AND analyte_id = ? AND instrument = ?')
      .pluck(),
    /** [measured_at, rejected] of the series' runs in [@from, @to) */
    runs: client
      .prepare<{ lab: number; analyte: number; instrument: string; from: number; to: number }, [number, number]>(
        `SELECT measured_at, status = 'rejected' FROM iqc_runs INDEXED BY iqc_runs_series_time_idx
         WHERE lab_id = @lab AND analyte_id = @analyte AND instrument = @instrument AND measured_at >= @from AND measured_at < @to`,
      )
      .raw(),
    /** [control lot, level, value, measured_at, in control] of the series' current, not excluded results */
    results: client
      .prepare<{ lab: number; analyte: number; instrument: string; from: number; to: number }, [number, string, number, number, number]>(
        `SELECT res.control_lot_id, res.level, res.value, res.measured_at, u.status <> 'rejected'
         FROM control_lots l INDEXED BY control_lots_lab_analyte_idx
         JOIN iqc_results res INDEXED BY iqc_results_lot_time_idx ON res.control_lot_id = l.id
         JOIN iqc_runs u ON u.id = res.run_id
         WHERE l.lab_id = @lab AND l.analyte_id = @analyte AND l.instrument = @instrument AND res.measured_at >= @from AND res.measured_at < @to
           AND res.current = 1 AND res.excluded = 0 AND u.instrument = l.instrument`,
      )
      .raw(),
  };
}
type DailyStatements = ReturnType<typeof statements>;
const cache = new WeakMap<Database.Database, DailyStatements>();

/** The refresh's prepared statements for this SQLite handle (prepared once, then reused). */
export function dailyRefreshStatements(db: HasClient): DailyStatements {
  let s = cache.get(db.$client);
  if (!s) cache.set(db.$client, (s = statements(db.$client)));
  return s;
}

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
/** day names → indices, kept (an import names the same few hundred days for every series) */
const dayIndices = new Map<string, number>();
const dayIndexOfName = (day: string) => {
  let k = dayIndices.get(day);
  if (k === undefined) {
    if (dayIndices.size >= 100_000) dayIndices.clear();
    dayIndices.set(day, (k = Date.parse(`${day}T00:00:00Z`) / DAY_MS));
  }
  return k;
};
const startOfDayMs = (day: string) => dayIndexOfName(day) * DAY_MS - OFFSET_MS;
/** control lot × day key (day indices stay below 2^16 until 2149) */
const lotDayKey = (controlLotId: number, k: number) => controlLotId * 65_536 + k;

interface SeriesDay {
  day: string;
  runs: number;
  rejectedRuns: number;
  results: number;
  /** distinct levels (a handful) */
  levels: string[];
}
interface LotDay {
  controlLotId: number;
  /** day index and name */
  k: number;
  day: string;
  level: string;
  results: number;
  /** the in-control values: the first one, the others from the second on (most lot-days hold one) */
  first: number;
  inControl: number[] | null;
  n: number;
}

/** Sums of a series' runs and results per day (UTC+8), counting only the days (indices) of `days`
 * (PostgreSQL's refresh sums its fresh days with it too, db/pg/daily-iqc-refresh.ts). */
export class DayAccumulator {
  readonly series = new Map<number, SeriesDay>();
  /** each control lot's days in the order first met (time order, unless stored days follow written ones) */
  readonly lotDays = new Map<number, LotDay[]>();
  /** control lot × day → its figures, built only once a lot's days come out of time order (rows
   * come in time order: a lot's day is its last one, or a new one after it) */
  private lots: Map<number, LotDay> | null = null;
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
    if (!x) this.series.set(k, (x = { day, runs: 0, rejectedRuns: 0, results: 0, levels: [] }));
    return (this.last = x);
  }

  /** count only the days of `days` (index → name) from now on */
  only(days: ReadonlyMap<number, string>): void {
    this.days = days;
    this.lastK = NaN;
  }

  /** the figures of a control lot's day, new (and added to its days) when it has none yet */
  private lotDay(controlLotId: number, k: number, day: string, level: string): LotDay {
    let days = this.lotDays.get(controlLotId);
    if (!days) this.lotDays.set(controlLotId, (days = []));
    const last = days.length ? days[days.length - 1] : undefined;
    if (last?.k === k) return last;
    if (this.lots || (last && last.k > k)) {
      // an earlier day than the lot's last (or since one came): index every lot's days once, then look up
      if (!this.lots) {
        this.lots = new Map();
        for (const list of this.lotDays.values()) for (const d of list) this.lots.set(lotDayKey(d.controlLotId, d.k), d);
      }
      const found = this.lots.get(lotDayKey(controlLotId, k));
      if (found) return found;
    }
    const l: LotDay = { controlLotId, k, day, level, results: 0, first: 0, inControl: null, n: 0 };
    days.push(l);
    this.lots?.set(lotDayKey(controlLotId, k), l);
    return l;
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
    if (!x.levels.includes(level)) x.levels.push(level);
    const l = this.lotDay(controlLotId, k, x.day, level);
    l.results++;
    if (!inControl) return;
    if (l.n++ === 0) l.first = value;
    else if (l.inControl) l.inControl.push(value);
    else l.inControl = [l.first, value];
  };
}

/** A series' days as recomputed, before they are written. */
export interface Recomputed {
  d: SeriesDays;
  acc: DayAccumulator;
}

/**
 * The daily aggregates of the series a writer changes in one transaction: each series' days are
 * recomputed and written as it is registered ({@link IqcDailyBatch.add}), and the roll-ups move at
 * {@link IqcDailyBatch.flush}, still in the writer's transaction, once per lab × analyte and once
 * per region for the whole batch instead of once per series (an import of a lab's year touches each
 * region day once, not once per analyte). The same figures as refreshing each series on its own.
 */
export interface IqcDailyBatch {
  /** Recompute and write a series' days (see {@link WrittenSeries} for `written`). */
  add(d: SeriesDays, written?: WrittenSeries): void;
  /** Move the roll-ups of every series added since the last flush. */
  flush(): void;
}

/** A refreshed series as the roll-ups need it: its days and the levels it holds on each. */
interface TouchedSeries {
  labId: number;
  analyteId: number;
  days: Set<string>;
  levels: Map<string, readonly string[]>;
}

export function iqcDailyBatch(db: HasClient): IqcDailyBatch {
  // PostgreSQL: the IQC statements (db/pg/iqc-ingest.ts) run the refresh after their queued writes
  if ((db as { deferredWriter?: unknown }).deferredWriter) return pgIqcDailyBatch(db as unknown as QueuedWriter);
  let touched = new Map<string, TouchedSeries>();
  return {
    add(d, written) {
      if (!d.days.length) return;
      const r = recompute(db, d, written);
      writeRecomputed(db, r);
      const key = `${d.labId}\u0001${d.analyteId}\u0001${d.instrument}`;
      let t = touched.get(key);
      if (!t) touched.set(key, (t = { labId: d.labId, analyteId: d.analyteId, days: new Set(), levels: new Map() }));
      for (const day of r.d.days) t.days.add(day);
      // a series added again: its later figures of a day are the current ones
      for (const x of r.acc.series.values()) t.levels.set(x.day, x.levels);
    },
    flush() {
      const list = touched;
      touched = new Map();
      if (list.size) moveRollups(db, list);
    },
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
  const batch = iqcDailyBatch(db);
  batch.add(d, written);
  batch.flush();
}

export const byIndex = (days: readonly string[]) => new Map(days.map((day) => [dayIndexOfName(day), day]));

/** Delete a series' days and sum them again (from `written` for days that had no rows). */
function recompute(db: HasClient, d: SeriesDays, written?: WrittenSeries): Recomputed {
  const s = dailyRefreshStatements(db);
  const sorted = [...new Set(d.days)].sort();
  // days that had aggregate rows (a control-lot row of a day implies the series row of that day);
  // none when the series' rows end before the first day (results appended after the last ones)
  const last = s.lastDay.get(d.labId, d.analyteId, d.instrument);
  let stale: string[] = [];
  if (last !== null && last !== undefined && last >= sorted[0]) {
    const p = { lab: d.labId, analyte: d.analyteId, instrument: d.instrument, first: sorted[0], last: sorted[sorted.length - 1], days: JSON.stringify(sorted) };
    stale = s.deleteSeries.all(p).sort();
    if (stale.length) s.deleteLots.run({ ...p, first: stale[0], last: stale[stale.length - 1], days: JSON.stringify(stale) });
  }
  const acc = new DayAccumulator();
  const readDays = written ? stale : sorted;
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
  return { d: { ...d, days: sorted }, acc };
}

const byNumber = (a: number, b: number) => a - b;

/** Write a series' recomputed days (series rows by day, control-lot rows by lot and day). */
function writeRecomputed(db: HasClient, r: Recomputed): void {
  const seriesRows = bulkWriter(db, iqcDailySeries, { columns: SERIES_COLUMNS, orFail: true });
  const lotRows = bulkWriter(db, iqcDailyLots, { columns: LOT_COLUMNS, orFail: true });
  eachRecomputedRow(r, seriesRows.addValues, lotRows.addValues);
  seriesRows.flush();
  lotRows.flush();
}

/** The rows of a series' recomputed days: `series` gets each series row (SERIES_COLUMNS) by day,
 * `lot` each control-lot row (LOT_COLUMNS) by lot and day; one array each, reused (copy it). */
export function eachRecomputedRow({ d, acc }: Recomputed, series: (row: unknown[]) => void, lot: (row: unknown[]) => void): void {
  // one array of values, the varying ones set per row (the writer copies them at once)
  const seriesRow: unknown[] = [d.labId, d.analyteId, d.instrument, '', 0, 0, 0, 0];
  for (const k of [...acc.series.keys()].sort(byNumber)) {
    const x = acc.series.get(k)!;
    seriesRow[3] = x.day;
    seriesRow[4] = x.runs;
    seriesRow[5] = x.rejectedRuns;
    seriesRow[6] = x.results;
    seriesRow[7] = x.levels.length;
    series(seriesRow);
  }
  // by control lot, then day: each lot's days come in time order (sorted only when stored days
  // were read after written ones)
  const lotRow: unknown[] = [0, '', d.labId, d.analyteId, '', 0, 0, null, 0];
  for (const lotId of [...acc.lotDays.keys()].sort(byNumber)) {
    const days = acc.lotDays.get(lotId)!;
    for (let i = 1; i < days.length; i++) {
      if (days[i].day < days[i - 1].day) {
        days.sort((a, b) => (a.day < b.day ? -1 : 1));
        break;
      }
    }
    for (const l of days) {
      lotRow[0] = l.controlLotId;
      lotRow[1] = l.day;
      lotRow[4] = l.level;
      lotRow[5] = l.results;
      if (l.inControl) {
        const m = momentsOf(l.inControl);
        lotRow[6] = m.n;
        lotRow[7] = m.mean;
        lotRow[8] = m.sumSqDev;
      } else {
        // momentsOf of one value or none, without the array: the same arithmetic
        const mean = l.n ? (0 + l.first) / 1 : null;
        lotRow[6] = l.n;
        lotRow[7] = mean;
        lotRow[8] = mean === null ? 0 : 0 + (l.first - mean) * (l.first - mean);
      }
      lot(lotRow);
    }
  }
}

/** The roll-ups of the refreshed series, per lab × analyte: the touched days and, per day, the
 * levels of its refreshed series (the union over instruments). */
function moveRollups(db: HasClient, touched: ReadonlyMap<string, TouchedSeries>): void {
  const pairs = new Map<string, TouchedSeries[]>();
  for (const t of touched.values()) {
    const key = `${t.labId}\u0001${t.analyteId}`;
    const same = pairs.get(key);
    if (same) same.push(t);
    else pairs.set(key, [t]);
  }
  const byLab = new Map<number, RefreshedPairDays[]>();
  for (const series of pairs.values()) {
    const { labId, analyteId } = series[0];
    let analytes = byLab.get(labId);
    if (!analytes) byLab.set(labId, (analytes = []));
    if (series.length === 1) {
      const { levels } = series[0];
      analytes.push({ analyteId, days: [...series[0].days].sort(), seriesLevels: { get: (day) => levels.get(day)?.length } });
      continue;
    }
    const seriesLevels = new Map<string, number>();
    const days = new Set<string>();
    // several instruments: the union of their days and of their levels per day
    const union = new Map<string, Set<string>>();
    for (const t of series) {
      for (const day of t.days) days.add(day);
      t.levels.forEach((levels, day) => {
        const set = union.get(day);
        if (!set) union.set(day, new Set(levels));
        else for (const level of levels) set.add(level);
      });
    }
    union.forEach((set, day) => seriesLevels.set(day, set.size));
    analytes.push({ analyteId, days: [...days].sort(), seriesLevels });
  }
  for (const [labId, analytes] of byLab) refreshRollups(db, labId, analytes);
}

/** The columns the refresh writes, in schema order (every column of both tables). */
const SERIES_COLUMNS = ['labId', 'analyteId', 'instrument', 'day', 'runs', 'rejectedRuns', 'results', 'levels'] as const;
const LOT_COLUMNS = ['controlLotId', 'day', 'labId', 'analyteId', 'level', 'results', 'n', 'mean', 'sumSqDev'] as const;

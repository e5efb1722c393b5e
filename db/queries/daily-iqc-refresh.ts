// Refresh of the daily IQC aggregates (db/schema/iqc.ts iqcDailySeries, iqcDailyLots) of a series'
// days, in the writer's transaction. Both tables are a pure function of iqc_runs and iqc_results: a
// refresh deletes the days of a series and inserts them again, summed from the stored rows, or for
// days the series never had from the rows the ingest just wrote (exact either way;
// test/integration/iqc-daily.test.ts compares every step of random ingests with a rebuild from
// scratch, ./daily-iqc-rebuild.ts). The roll-ups follow by delta (./daily-iqc-rollups.ts).
import type Database from 'better-sqlite3';
import { bulkWriter, type HasClient } from '../bulk';
import { iqcDailyLots, iqcDailySeries } from '../schema';
import { momentsOf } from '@/lib/stats/moments';
import { refreshRollups } from './daily-iqc-rollups';

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
  refreshRollups(db, d.labId, d.analyteId, sorted, levels);
}

// The daily IQC aggregates of the series and days a writer changed, on PostgreSQL, in the writer's
// transaction (SQLite: db/queries/daily-iqc-refresh.ts and daily-iqc-rollups.ts, the same figures).
// Set-based: the (series, day) keys go as one array parameter per column (unnest), each day as its
// instant range [00:00, 24:00) in UTC+8, and every read is a lateral subquery per key on an index
// (runs and results by (lab, analyte, time), a result's run by its key, the daily rows by theirs), so
// the plans hold whatever the statistics of tables an ingest just filled say.
//   1. the days' iqc_daily_series and iqc_daily_lots rows are deleted and summed again from the stored
//      runs and current, not excluded results (the figures of the rebuild's SQL,
//      db/queries/daily-iqc-rebuild.ts, per key); a day the series had no row for held none of its
//      runs or counted results, so after the write it holds exactly the runs and results the writer
//      gave (WrittenSeries): those days are summed from these in memory, as SQLite does, and only
//      their rows are written (an import of new days reads nothing back);
//   2. the roll-ups move by delta: each touched lab × analyte × day's levels before (iqc_daily_pairs)
//      and after (its control-lot rows over every instrument; a day summed from memory on every
//      instrument of the analyte's lots had none before and has the written lot rows' levels after,
//      so it reads nothing), then the region's covered pair-days
//      and month pairs by the net change, upserted on their keys (iqc_daily_pairs' key holds lab_id,
//      the Citus distribution column).
// A transaction-scoped advisory lock per lab orders two writers of one lab: the second reads the
// first's committed rows, so the deltas add up.
import { sql, type SQL } from 'drizzle-orm';
import { rawAll, rawRun } from '../dialect';
import { COVERED_LEVELS } from '../queries/daily-iqc-rollups';
import { byIndex, DayAccumulator, eachRecomputedRow, type IqcDailyBatch, type SeriesDays } from '../queries/daily-iqc-refresh';
import { lockLabIqcWriters } from './iqc-lock';
import { pgBulkWriter } from './bulk-writer';
import type { BulkOptions } from '../bulk';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as pgTables from './schema';
import type * as liteTables from '../schema/sqlite';
import { arrayParam } from './array-param';

// the PostgreSQL tables whatever the process's backend (this runs on PostgreSQL only), typed as the
// shared row types' SQLite tables the bulk writer takes
const { iqcDailyLots, iqcDailyPairs, iqcDailySeries } = pgTables as unknown as typeof liteTables;

const DAY_MS = 86_400_000;
const OFFSET_MS = 8 * 3_600_000;

const startOfDayMs = (day: string) => Date.parse(`${day}T00:00:00Z`) - OFFSET_MS;

/** What the refresh needs of the writer: its transaction and its queue of writes (the IQC
 * statements on PostgreSQL, db/pg/iqc-ingest.ts, run the refresh after the rows it wrote). */
export interface QueuedWriter {
  readonly tx: unknown;
  queue(op: () => Promise<void>): void;
}

/** The batch of an ingest or a re-evaluation on PostgreSQL: the series' days are gathered, and
 * refreshed together once the writes queued before them ran. */
export function pgIqcDailyBatch(w: QueuedWriter): IqcDailyBatch {
  let list: RefreshedSeries[] = [];
  return {
    add(d, written) {
      if (!d.days.length) return;
      const days = [...d.days];
      // the written runs and results summed per day now (the plan is the writer's to change after)
      let acc: DayAccumulator | undefined;
      if (written) {
        acc = new DayAccumulator();
        acc.only(byIndex(days));
        written.each(acc.run, acc.result);
      }
      list.push({ ...d, days, written: acc });
    },
    flush() {
      const series = list;
      list = [];
      if (series.length) w.queue(() => pgRefreshIqcDaily(w.tx, series));
    },
  };
}

/** A series' days to refresh, with the written runs and results summed per day when the writer gave
 * them (WrittenSeries, db/queries/daily-iqc-refresh.ts). */
export interface RefreshedSeries extends SeriesDays {
  written?: DayAccumulator;
}

/** Recompute the daily aggregates of the given series' days and move the roll-ups, in the caller's
 * transaction (after the runs and results are written). */
export async function pgRefreshIqcDaily(tx: unknown, series: readonly RefreshedSeries[]): Promise<void> {
  const byLab = new Map<number, RefreshedSeries[]>();
  for (const s of series) {
    const list = byLab.get(s.labId);
    if (list) list.push(s);
    else byLab.set(s.labId, [s]);
  }
  for (const labId of [...byLab.keys()].sort((a, b) => a - b)) await refreshLab(tx, labId, byLab.get(labId)!);
}

export type DayKey = { analyteId: number; instrument: string; day: string };
const dayKeyOf = (analyteId: number, instrument: string, day: string) => `${analyteId}\u0000${instrument}\u0000${day}`;

/** (analyte, instrument, day) keys as unnest rows, and with each day's instant range */
function keyTables(k: readonly DayKey[]) {
  const a = arrayParam(k.map((x) => x.analyteId));
  const i = arrayParam(k.map((x) => x.instrument));
  const d = arrayParam(k.map((x) => x.day));
  const t0 = arrayParam(k.map((x) => startOfDayMs(x.day)));
  const t1 = arrayParam(k.map((x) => startOfDayMs(x.day) + DAY_MS));
  return {
    keyRows: sql`unnest(${a}::bigint[], ${i}::text[], ${d}::text[]) AS k(analyte_id, instrument, day)`,
    rangeRows: sql`unnest(${a}::bigint[], ${i}::text[], ${d}::text[], ${t0}::bigint[], ${t1}::bigint[]) AS k(analyte_id, instrument, day, t0, t1)`,
  };
}

async function refreshLab(tx: unknown, labId: number, series: readonly RefreshedSeries[]): Promise<void> {
  await lockLabIqcWriters(tx, labId);
  // (analyte, instrument, day) once each
  const keys = new Map<string, DayKey>();
  for (const s of series) for (const day of s.days) keys.set(dayKeyOf(s.analyteId, s.instrument, day), { analyteId: s.analyteId, instrument: s.instrument, day });
  const k = [...keys.values()];
  const { keyRows } = keyTables(k);
  // the days' rows found by their keys per day, then deleted by row address (a TID scan; lab_id keeps
  // the statement on the lab's shard under Citus)
  const had = new Set<string>();
  for (const r of await rawAll<{ analyteId: number; instrument: string; day: string }>(
    tx,
    sql`DELETE FROM iqc_daily_series WHERE lab_id = ${labId} AND ctid = ANY(ARRAY(
      SELECT x.ctid FROM ${keyRows} CROSS JOIN LATERAL (
        SELECT ctid FROM iqc_daily_series WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND instrument = k.instrument AND day = k.day OFFSET 0) x))
      RETURNING analyte_id AS "analyteId", instrument, day`,
  ))
    had.add(dayKeyOf(Number(r.analyteId), r.instrument, r.day));
  // a control-lot row of a day implies the series row of that day: only the days that had one
  if (had.size) {
    const { keyRows: hadRows } = keyTables(k.filter((x) => had.has(dayKeyOf(x.analyteId, x.instrument, x.day))));
    await rawRun(tx, sql`DELETE FROM iqc_daily_lots WHERE lab_id = ${labId} AND ctid = ANY(ARRAY(
      SELECT x.ctid FROM (SELECT DISTINCT k.day, l.id FROM ${hadRows} JOIN control_lots l ON l.lab_id = ${labId} AND l.analyte_id = k.analyte_id AND l.instrument = k.instrument) kl
      CROSS JOIN LATERAL (SELECT ctid FROM iqc_daily_lots WHERE control_lot_id = kl.id AND day = kl.day AND lab_id = ${labId} OFFSET 0) x))`);
  }
  // the days the series had no row for, of a series added once with its written rows: summed in
  // memory; every other day from the stored rows
  const seen = new Map<string, number>();
  for (const s of series) seen.set(`${s.analyteId}\u0000${s.instrument}`, (seen.get(`${s.analyteId}\u0000${s.instrument}`) ?? 0) + 1);
  const fromMemory = new Set<string>();
  const memoryDays = new Map<number, Set<string>>(); // analyte → days summed from memory on some instrument
  const seriesCols: unknown[][] = [[], [], [], [], [], [], [], []];
  const lotCols: unknown[][] = [[], [], [], [], [], [], [], [], []];
  for (const s of series) {
    if (!s.written || seen.get(`${s.analyteId}\u0000${s.instrument}`) !== 1) continue;
    const fresh = [...new Set(s.days)].filter((day) => !had.has(dayKeyOf(s.analyteId, s.instrument, day)));
    if (!fresh.length) continue;
    let days = memoryDays.get(s.analyteId);
    if (!days) memoryDays.set(s.analyteId, (days = new Set()));
    for (const day of fresh) {
      fromMemory.add(dayKeyOf(s.analyteId, s.instrument, day));
      days.add(day);
    }
    const freshDays = new Set(fresh);
    eachRecomputedRow(
      { d: { ...s, days: fresh }, acc: s.written },
      (row) => {
        if (freshDays.has(row[3] as string)) for (let c = 0; c < row.length; c++) seriesCols[c].push(row[c]);
      },
      (row) => {
        if (freshDays.has(row[1] as string)) for (let c = 0; c < row.length; c++) lotCols[c].push(row[c]);
      },
    );
  }
  // a year's import gives tens of thousands of these rows: the bulk writer sends them by COPY
  await writeColumns(tx, iqcDailySeries, ['labId', 'analyteId', 'instrument', 'day', 'runs', 'rejectedRuns', 'results', 'levels'], seriesCols);
  await writeColumns(tx, iqcDailyLots, ['controlLotId', 'day', 'labId', 'analyteId', 'level', 'results', 'n', 'mean', 'sumSqDev'], lotCols);
  const stored = k.filter((x) => !fromMemory.has(dayKeyOf(x.analyteId, x.instrument, x.day)));
  if (stored.length) await sumStoredDays(tx, labId, stored);
  await moveRollups(tx, labId, k, await pairDaysFromMemory(tx, labId, fromMemory, memoryDays, lotCols));
}

/** The lab × analyte days whose levels before and after the write are known without reading them:
 * those where every instrument of the analyte's control lots in the lab was summed from memory (the
 * day fresh for each). No series of the analyte had a row that day, so no control-lot row (a lot
 * row implies its instrument's series row) and no pair row (a pair row implies a lot row): the
 * levels before are 0, and after they are the distinct levels of the lot rows just written. A first
 * import of new days reads no pair levels back. Keyed analyte \0 day, valued the levels after. */
async function pairDaysFromMemory(
  tx: unknown,
  labId: number,
  fromMemory: ReadonlySet<string>,
  touched: ReadonlyMap<number, ReadonlySet<string>>,
  lotCols: readonly unknown[][],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!touched.size) return out;
  const instruments = new Map<number, string[]>();
  for (const r of await rawAll<{ analyteId: number; instrument: string }>(
    tx,
    sql`SELECT DISTINCT analyte_id AS analyteId, instrument FROM control_lots WHERE lab_id = ${labId} AND analyte_id = ANY(${arrayParam([...touched.keys()])}::bigint[])`,
  )) {
    const list = instruments.get(Number(r.analyteId));
    if (list) list.push(r.instrument);
    else instruments.set(Number(r.analyteId), [r.instrument]);
  }
  const levels = new Map<string, Set<unknown>>();
  for (const [analyteId, days] of touched) {
    const all = instruments.get(analyteId) ?? [];
    for (const day of days) if (all.every((i) => fromMemory.has(dayKeyOf(analyteId, i, day)))) levels.set(`${analyteId}\u0000${day}`, new Set());
  }
  // the lot rows' columns: controlLotId, day, labId, analyteId, level, …
  const [, dayCol, , analyteCol, levelCol] = lotCols;
  for (let r = 0; r < dayCol.length; r++) levels.get(`${analyteCol[r]}\u0000${dayCol[r]}`)?.add(levelCol[r]);
  for (const [key, set] of levels) out.set(key, set.size);
  return out;
}

/** The series and control-lot rows of the given days summed from the stored runs and current, not
 * excluded results. */
async function sumStoredDays(tx: unknown, labId: number, k: readonly DayKey[]): Promise<void> {
  const { series, lots } = storedDaysSql(labId, k);
  await rawRun(tx, series);
  await rawRun(tx, lots);
}

/** The two inserts of {@link sumStoredDays}: the series rows, then the control-lot rows. */
export function storedDaysSql(labId: number, k: readonly DayKey[]): { series: SQL; lots: SQL } {
  const { rangeRows } = keyTables(k);
  // the days' span as plain values too: the planner leaves out the other months (k.t0 and k.t1 alone
  // prune them only when the plan runs, after planning every month)
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const x of k) {
    const start = startOfDayMs(x.day);
    if (start < t0) t0 = start;
    if (start + DAY_MS > t1) t1 = start + DAY_MS;
  }
  // each key's control lots (a lot belongs to one instrument), their current, not excluded results
  // of the day (the (lot, time) index: the item's results on the lab's other instruments are not
  // read), then each one's run by its key: OFFSET 0 and LIMIT 1 keep these subqueries per key,
  // whatever the statistics of tables an ingest just filled say (a hash join over every stored row is
  // minutes on a first ingest)
  const resultsOfKey = sql`(SELECT id FROM control_lots WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND instrument = k.instrument OFFSET 0) l
        CROSS JOIN LATERAL (SELECT control_lot_id, level, value, run_id FROM iqc_results
          WHERE control_lot_id = l.id AND lab_id = ${labId} AND measured_at >= k.t0 AND measured_at < k.t1 AND measured_at >= ${t0} AND measured_at < ${t1} AND current AND NOT excluded OFFSET 0) res
        CROSS JOIN LATERAL (SELECT status FROM iqc_runs WHERE id = res.run_id AND lab_id = ${labId} AND instrument = k.instrument LIMIT 1) u`;
  const series = sql`INSERT INTO iqc_daily_series (lab_id, analyte_id, instrument, day, runs, rejected_runs, results, levels)
    SELECT ${labId}::bigint, k.analyte_id, k.instrument, k.day, r.runs, r.rejected, v.results, v.levels
    FROM ${rangeRows}
    CROSS JOIN LATERAL (
      SELECT count(*) AS runs, coalesce(sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), 0) AS rejected FROM iqc_runs
      WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND measured_at >= k.t0 AND measured_at < k.t1 AND instrument = k.instrument) r
    CROSS JOIN LATERAL (SELECT count(*) AS results, count(DISTINCT res.level) AS levels FROM ${resultsOfKey}) v
    WHERE r.runs > 0 OR v.results > 0`;
  // in control = the value's run is not rejected; n, mean and Σ(x − mean)² two-pass per lot and day
  const lots = sql`INSERT INTO iqc_daily_lots (control_lot_id, day, lab_id, analyte_id, level, results, n, mean, sum_sq_dev)
    SELECT x.lot, k.day, ${labId}::bigint, k.analyte_id, x.level, x.results, x.n, x.mean, x.ss
    FROM ${rangeRows}
    CROSS JOIN LATERAL (
      SELECT lot, level, count(*) AS results, sum(CASE WHEN ok THEN 1 ELSE 0 END) AS n, mean,
             coalesce(sum(CASE WHEN ok THEN (value - mean) * (value - mean) END), 0) AS ss
      FROM (SELECT v.*, avg(CASE WHEN ok THEN value END) OVER (PARTITION BY lot) AS mean
            FROM (SELECT res.control_lot_id AS lot, res.level, res.value, u.status <> 'rejected' AS ok FROM ${resultsOfKey}) v) w
      GROUP BY lot, level, mean) x`;
  return { series, lots };
}

/** The lab × analyte day levels of the touched days and the region's roll-ups, by delta; `known`
 * gives the days whose levels were 0 before, with their levels after (pairDaysFromMemory). */
async function moveRollups(tx: unknown, labId: number, keys: readonly { analyteId: number; day: string }[], known: ReadonlyMap<string, number>): Promise<void> {
  const region = (await rawAll<{ regionId: number }>(tx, sql`SELECT region_id AS regionId FROM laboratories WHERE id = ${labId}`))[0]?.regionId;
  if (region === undefined) return;
  const pairKeys = new Map<string, { analyteId: number; day: string }>();
  const monthKeys = new Map<string, { analyteId: number; month: string }>();
  for (const x of keys) {
    pairKeys.set(`${x.analyteId}\u0000${x.day}`, x);
    const month = x.day.slice(0, 7);
    monthKeys.set(`${x.analyteId}\u0000${month}`, { analyteId: x.analyteId, month });
  }
  const pk = [...pairKeys.values()].filter((x) => !known.has(`${x.analyteId}\u0000${x.day}`));
  const mk = [...monthKeys.values()];
  // levels before (the pair row) and after (the control-lot rows of every instrument) per touched day
  const levels: { analyteId: number; day: string; before: number; after: number }[] = [];
  for (const [key, after] of known) {
    const at = key.indexOf('\u0000');
    levels.push({ analyteId: Number(key.slice(0, at)), day: key.slice(at + 1), before: 0, after });
  }
  const read = pk.length
    ? await rawAll<{ analyteId: number; day: string; before: number; after: number }>(
        tx,
        sql`SELECT k.analyte_id AS analyteId, k.day, coalesce(p.levels, 0)::int AS before, coalesce(x.levels, 0)::int AS after
          FROM unnest(${arrayParam(pk.map((x) => x.analyteId))}::bigint[], ${arrayParam(pk.map((x) => x.day))}::text[]) AS k(analyte_id, day)
          LEFT JOIN LATERAL (SELECT levels FROM iqc_daily_pairs WHERE lab_id = ${labId} AND analyte_id = k.analyte_id AND day = k.day OFFSET 0) p ON true
          LEFT JOIN LATERAL (
            SELECT count(DISTINCT dl.level) AS levels FROM control_lots l JOIN iqc_daily_lots dl ON dl.control_lot_id = l.id AND dl.lab_id = l.lab_id AND dl.day = k.day
            WHERE l.lab_id = ${labId} AND l.analyte_id = k.analyte_id) x ON true`,
      )
    : [];
  for (const r of read) levels.push(r);
  const changed = levels.filter((r) => r.before !== r.after);
  if (!changed.length) return;
  const levelsBefore = new Map(changed.map((r) => [`${r.analyteId}\u0000${r.day}`, r.before]));
  // days with levels per touched lab × analyte × month before the change (a month counts a pair
  // while the pair has a day with levels in it)
  const monthDays = new Map<string, number>();
  for (const r of await rawAll<{ analyteId: number; month: string; days: number }>(
    tx,
    sql`SELECT k.analyte_id AS analyteId, k.month,
               (SELECT count(*) FROM iqc_daily_pairs p WHERE p.lab_id = ${labId} AND p.analyte_id = k.analyte_id
                  AND p.day >= k.month || '-01' AND p.day <= k.month || '-31' AND p.levels > 0)::int AS days
        FROM unnest(${arrayParam(mk.map((x) => x.analyteId))}::bigint[], ${arrayParam(mk.map((x) => x.month))}::text[]) AS k(analyte_id, month)`,
  )) monthDays.set(`${r.analyteId}\u0000${r.month}`, r.days);
  const monthsBefore = new Map([...monthDays].map(([key, n]) => [key, n > 0]));
  const upserts: { analyteId: number; day: string; levels: number }[] = [];
  const deletes: { analyteId: number; day: string }[] = [];
  const covered = new Map<string, number>();
  for (const r of changed) {
    if (r.after > 0) upserts.push({ analyteId: r.analyteId, day: r.day, levels: r.after });
    else deletes.push(r);
    const key = `${r.analyteId}\u0000${r.day.slice(0, 7)}`;
    monthDays.set(key, monthDays.get(key)! + Number(r.after > 0) - Number(r.before > 0));
    const delta = Number(r.after >= COVERED_LEVELS) - Number(r.before >= COVERED_LEVELS);
    if (delta) covered.set(r.day, (covered.get(r.day) ?? 0) + delta);
  }
  const monthDelta = new Map<string, number>();
  for (const [key, had] of monthsBefore) {
    const has = monthDays.get(key)! > 0;
    if (has === had) continue;
    const month = key.slice(key.indexOf('\u0000') + 1);
    monthDelta.set(month, (monthDelta.get(month) ?? 0) + (has ? 1 : -1));
  }
  // a day without levels before had no pair row (one left at none is deleted): those are inserted,
  // the others updated
  const added = upserts.filter((x) => !levelsBefore.get(`${x.analyteId}\u0000${x.day}`));
  const moved = upserts.filter((x) => levelsBefore.get(`${x.analyteId}\u0000${x.day}`));
  await writeColumns(tx, iqcDailyPairs, ['labId', 'analyteId', 'day', 'levels'], [added.map(() => labId), added.map((x) => x.analyteId), added.map((x) => x.day), added.map((x) => x.levels)]);
  if (moved.length) {
    await rawRun(tx, sql`UPDATE iqc_daily_pairs p SET levels = k.levels
      FROM unnest(${arrayParam(moved.map((x) => x.analyteId))}::bigint[], ${arrayParam(moved.map((x) => x.day))}::text[], ${arrayParam(moved.map((x) => x.levels))}::int[]) AS k(analyte_id, day, levels)
      WHERE p.lab_id = ${labId} AND p.analyte_id = k.analyte_id AND p.day = k.day`);
  }
  if (deletes.length) {
    await rawRun(tx, sql`DELETE FROM iqc_daily_pairs p
      USING unnest(${arrayParam(deletes.map((x) => x.analyteId))}::bigint[], ${arrayParam(deletes.map((x) => x.day))}::text[]) AS k(analyte_id, day)
      WHERE p.lab_id = ${labId} AND p.analyte_id = k.analyte_id AND p.day = k.day`);
  }
  // net changes only: a day (month) one analyte gained and another lost keeps its row as it is
  await addDeltas(tx, 'iqc_region_days', 'day', 'covered_pairs', region, covered);
  await addDeltas(tx, 'iqc_region_months', 'month', 'pairs', region, monthDelta);
}

/** Rows given as one array per column (in `columns`' order) through the bulk writer: COPY from
 * PG_COPY_MIN_ROWS rows on. */
async function writeColumns<T extends SQLiteTable>(tx: unknown, table: T, columns: readonly (keyof T['$inferInsert'] & string)[], cols: readonly unknown[][]): Promise<void> {
  const rows = cols[0].length;
  if (!rows) return;
  const w = pgBulkWriter(tx, table, { columns: columns as BulkOptions<T['$inferInsert']>['columns'] });
  for (let r = 0; r < rows; r++) w.addValues(cols.map((c) => c[r]));
  await w.flush();
}

/** Add per-key deltas to a region roll-up (upserted on its key) and drop the rows left at zero. */
async function addDeltas(tx: unknown, table: 'iqc_region_days' | 'iqc_region_months', key: 'day' | 'month', count: 'covered_pairs' | 'pairs', region: number, deltas: ReadonlyMap<string, number>): Promise<void> {
  const list = [...deltas].filter(([, n]) => n !== 0);
  if (!list.length) return;
  const t = sql.raw(table);
  const kc = sql.raw(key);
  const cc = sql.raw(count);
  await rawRun(tx, sql`INSERT INTO ${t} (region_id, ${kc}, ${cc})
    SELECT ${region}::bigint, k.key, k.n FROM unnest(${arrayParam(list.map(([k]) => k))}::text[], ${arrayParam(list.map(([, n]) => n))}::int[]) AS k(key, n)
    ON CONFLICT (region_id, ${kc}) DO UPDATE SET ${cc} = ${t}.${cc} + excluded.${cc}`);
  const dropped = list.filter(([, n]) => n < 0).map(([k]) => k);
  if (dropped.length) await rawRun(tx, sql`DELETE FROM ${t} WHERE region_id = ${region} AND ${kc} = ANY(${arrayParam(dropped)}::text[]) AND ${cc} = 0`);
}

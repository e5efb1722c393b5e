// Roll-ups of the daily IQC aggregates: lab × analyte day levels (iqc_daily_pairs) and the region
// figures of the regional overview (iqc_region_days covered pair-days, iqc_region_months pairs),
// kept by delta after a series' days are refreshed (./daily-iqc-refresh.ts) and when a lab moves.
// PostgreSQL: the refresh's roll-ups are db/pg/daily-iqc-refresh.ts (moveRollups); rollupSql and
// moveLabRollups below serve both backends, the prepared statements SQLite's refresh.
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { bulkWriter, type HasClient } from '../bulk';
import type { Dialect } from '../dialect';
import { iqcDailyPairs } from '../schema';
import { rawRun } from '@/db/dialect';

/** Levels a lab × analyte needs on a day for the regional overview to count it covered. */
export const COVERED_LEVELS = 2;

/** Lab × analyte × day levels from the control-lot rows, and the region roll-ups from those (the
 * migration's backfill and {@link rebuildIqcDaily}; {@link refreshIqcDaily} keeps them by delta). */
export const rollupSql = (d: Dialect = 'sqlite') => [
  `INSERT INTO iqc_daily_pairs (lab_id, analyte_id, day, levels)
   SELECT lab_id, analyte_id, day, count(DISTINCT level) FROM iqc_daily_lots GROUP BY lab_id, analyte_id, day`,
  `INSERT INTO iqc_region_days (region_id, day, covered_pairs)
   SELECT l.region_id, p.day, sum(CASE WHEN p.levels >= ${COVERED_LEVELS} THEN 1 ELSE 0 END) FROM iqc_daily_pairs p JOIN laboratories l ON l.id = p.lab_id
   GROUP BY l.region_id, p.day HAVING sum(CASE WHEN p.levels >= ${COVERED_LEVELS} THEN 1 ELSE 0 END) > 0`,
  `INSERT INTO iqc_region_months (region_id, month, pairs)
   SELECT l.region_id, substr(p.day, 1, 7), count(DISTINCT ${d === 'pg' ? "p.lab_id::text || ':' || p.analyte_id::text" : "p.lab_id || ':' || p.analyte_id"}) FROM iqc_daily_pairs p JOIN laboratories l ON l.id = p.lab_id
   GROUP BY l.region_id, substr(p.day, 1, 7)`,
];
export const ROLLUP_SQL = rollupSql('sqlite');

function statements(client: Database.Database) {
  return {
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
type RollupStatements = ReturnType<typeof statements>;
const cache = new WeakMap<Database.Database, RollupStatements>();

/** A lab × analyte's refreshed days (sorted) and the series' new number of levels per day. */
export interface RefreshedPairDays {
  analyteId: number;
  days: readonly string[];
  /** levels per day of the refreshed series (union over instruments refreshed together) */
  seriesLevels: { get(day: string): number | undefined };
}

/**
 * Bring the lab × analyte day levels and the region roll-ups up to date for the given analytes'
 * days (after the series' control-lot rows of those days changed). A day without a pair row before
 * had no control-lot row on any instrument, so its levels now are the refreshed series' own; only
 * days that had one read the lots again (all instruments). New pair rows go through the bulk
 * writer; the region's covered pair-days move by one statement for all days and analytes, and its
 * month pairs by the months whose presence changed (summed over the analytes).
 */
export function refreshRollups(db: HasClient, labId: number, analytes: readonly RefreshedPairDays[]): void {
  let s = cache.get(db.$client);
  if (!s) cache.set(db.$client, (s = statements(db.$client)));
  const regionId = s.labRegion.get(labId)?.regionId;
  if (regionId === undefined) return;
  const newPairs = bulkWriter(db, iqcDailyPairs, { columns: PAIR_COLUMNS, orFail: true });
  const covered = new Map<string, number>();
  const monthDelta = new Map<string, number>();
  for (const { analyteId, days, seriesLevels } of [...analytes].sort((a, b) => a.analyteId - b.analyteId)) {
    if (!days.length) continue;
    // the pair's days of every touched month (month presence and the touched days' levels before)
    const rows = s.pairDays.all(labId, analyteId, `${days[0].slice(0, 7)}-01`, `${days[days.length - 1].slice(0, 7)}-31`);
    if (!rows.length) {
      newPairDays(labId, analyteId, days, seriesLevels, newPairs, covered, monthDelta);
      continue;
    }
    const levels = new Map<string, number>();
    for (const [day, n] of rows) levels.set(day, n);
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
    for (const day of days) {
      const before = levels.get(day) ?? 0;
      const now = after.get(day)!;
      if (before === now) continue;
      if (!before) newPairs.addValues([labId, analyteId, day, now]);
      else if (now > 0) s.setPair.run(now, labId, analyteId, day);
      else s.deletePair.run(labId, analyteId, day);
      const month = day.slice(0, 7);
      monthDays.set(month, monthDays.get(month)! + Number(now > 0) - Number(before > 0));
      const delta = Number(now >= COVERED_LEVELS) - Number(before >= COVERED_LEVELS);
      if (delta) covered.set(day, (covered.get(day) ?? 0) + delta);
    }
    for (const [month, had] of monthsBefore) {
      const has = monthDays.get(month)! > 0;
      if (has !== had) monthDelta.set(month, (monthDelta.get(month) ?? 0) + (has ? 1 : -1));
    }
  }
  newPairs.flush();
  // net changes only: a day (month) one analyte gained and another lost keeps its row as it is
  const deltas: Record<string, number> = {};
  let changed = false;
  let dropped = false;
  for (const [day, delta] of covered) {
    if (!delta) continue;
    deltas[day] = delta;
    changed = true;
    if (delta < 0) dropped = true;
  }
  if (changed) {
    const json = JSON.stringify(deltas);
    s.addCovered.run({ region: regionId, deltas: json });
    if (dropped) s.dropEmptyCovered.run({ region: regionId, deltas: json });
  }
  for (const [month, delta] of monthDelta) {
    if (!delta) continue;
    s.addMonthPairs.run(regionId, month, delta);
    if (delta < 0) s.dropEmptyMonth.run(regionId, month);
  }
}

const PAIR_COLUMNS = ['labId', 'analyteId', 'day', 'levels'] as const;

/** {@link refreshRollups} of a lab × analyte without a pair row in the touched months (a first
 * import, the first results of a month): every touched day with levels is a new pair row, covered
 * when it has {@link COVERED_LEVELS}, and each month with one gains the pair. */
function newPairDays(
  labId: number,
  analyteId: number,
  days: readonly string[],
  seriesLevels: RefreshedPairDays['seriesLevels'],
  newPairs: { addValues(values: readonly unknown[]): void },
  covered: Map<string, number>,
  monthDelta: Map<string, number>,
): void {
  // days are sorted: a month's days come together
  let month = '';
  let monthHas = false;
  for (const day of days) {
    if (!month || !day.startsWith(month)) {
      if (monthHas) monthDelta.set(month, (monthDelta.get(month) ?? 0) + 1);
      month = day.slice(0, 7);
      monthHas = false;
    }
    const now = seriesLevels.get(day) ?? 0;
    if (!now) continue;
    newPairs.addValues([labId, analyteId, day, now]);
    monthHas = true;
    if (now >= COVERED_LEVELS) covered.set(day, (covered.get(day) ?? 0) + 1);
  }
  if (monthHas) monthDelta.set(month, (monthDelta.get(month) ?? 0) + 1);
}

/**
 * A lab moved to another region: its covered pair-days and month pairs move from the old region's
 * roll-ups to the new one's (called by updateLabRow in the same transaction as the move).
 */
export async function moveLabRollups(db: Conn, labId: number, fromRegionId: number, toRegionId: number): Promise<void> {
  if (fromRegionId === toRegionId) return;
  for (const [regionId, sign] of [
    [toRegionId, 1],
    [fromRegionId, -1],
  ] as const) {
    await rawRun(db, sql`
      INSERT INTO iqc_region_days (region_id, day, covered_pairs)
      SELECT CAST(${regionId} AS bigint), day, ${sign} * n FROM (
        SELECT day, sum(CASE WHEN levels >= ${COVERED_LEVELS} THEN 1 ELSE 0 END) AS n FROM iqc_daily_pairs WHERE lab_id = ${labId} GROUP BY day
        HAVING sum(CASE WHEN levels >= ${COVERED_LEVELS} THEN 1 ELSE 0 END) > 0) AS x WHERE true
      ON CONFLICT (region_id, day) DO UPDATE SET covered_pairs = iqc_region_days.covered_pairs + excluded.covered_pairs`);
    await rawRun(db, sql`
      INSERT INTO iqc_region_months (region_id, month, pairs)
      SELECT CAST(${regionId} AS bigint), month, ${sign} * n FROM (
        SELECT substr(day, 1, 7) AS month, count(DISTINCT analyte_id) AS n FROM iqc_daily_pairs WHERE lab_id = ${labId} GROUP BY substr(day, 1, 7)) AS x WHERE true
      ON CONFLICT (region_id, month) DO UPDATE SET pairs = iqc_region_months.pairs + excluded.pairs`);
  }
  await rawRun(db, sql`DELETE FROM iqc_region_days WHERE region_id = ${fromRegionId} AND covered_pairs = 0`);
  await rawRun(db, sql`DELETE FROM iqc_region_months WHERE region_id = ${fromRegionId} AND pairs = 0`);
}

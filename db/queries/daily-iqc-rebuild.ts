// The daily IQC aggregates and their roll-ups from every stored run and result, in SQL: the
// migrations' backfill and a repair (./daily-iqc-refresh.ts keeps them up to date day by day and is
// checked against this in test/integration/iqc-daily.test.ts).
// The SQL is written for either dialect (`d`): the day of an instant, booleans, and PostgreSQL's
// stricter GROUP BY.
import { sql } from 'drizzle-orm';
import type { HasClient } from '../bulk';
import { dialectOf, rawRun, type Dialect } from '../dialect';
import { withTx } from '../tx';
import { ROLLUP_SQL, rollupSql } from './daily-iqc-rollups';

/** The day (UTC+8, as lib/calendar's dayOf) of an epoch-ms column. */
const dayOfSql = (col: string, d: Dialect = 'sqlite') =>
  d === 'pg' ? `to_char(to_timestamp((${col} + 28800000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')` : `date((${col} + 28800000) / 1000, 'unixepoch')`;
const TRUE = (d: Dialect) => (d === 'pg' ? 'true' : '1');
const FALSE = (d: Dialect) => (d === 'pg' ? 'false' : '0');

/** The INSERT … SELECT of each table from every stored row: the migration's backfill and
 * {@link rebuildIqcDaily} (a series' days are refreshed by {@link refreshIqcDaily}). */
export function dailySeriesSql(d: Dialect = 'sqlite'): string {
  return `WITH r AS (
    SELECT lab_id, analyte_id, instrument, ${dayOfSql('measured_at', d)} AS day, count(*) AS runs, sum(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected
    FROM iqc_runs GROUP BY lab_id, analyte_id, instrument, day),
  v AS (
    SELECT res.lab_id, res.analyte_id, u.instrument, ${dayOfSql('res.measured_at', d)} AS day, count(*) AS results, count(DISTINCT res.level) AS levels
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = ${TRUE(d)} AND res.excluded = ${FALSE(d)} GROUP BY res.lab_id, res.analyte_id, u.instrument, day),
  d AS (SELECT lab_id, analyte_id, instrument, day FROM r UNION SELECT lab_id, analyte_id, instrument, day FROM v)
INSERT INTO iqc_daily_series (lab_id, analyte_id, instrument, day, runs, rejected_runs, results, levels)
SELECT d.lab_id, d.analyte_id, d.instrument, d.day, coalesce(r.runs, 0), coalesce(r.rejected, 0), coalesce(v.results, 0), coalesce(v.levels, 0)
FROM d LEFT JOIN r ON r.lab_id = d.lab_id AND r.analyte_id = d.analyte_id AND r.instrument = d.instrument AND r.day = d.day
       LEFT JOIN v ON v.lab_id = d.lab_id AND v.analyte_id = d.analyte_id AND v.instrument = d.instrument AND v.day = d.day`;
}

/** In-control = the value's run is not rejected (rejected points stay on the chart, out of the
 * statistics); n, mean and Σ(x − mean)² of those, two-pass per lot and day (the day's mean as a
 * window aggregate, then the squared deviations from it). */
export function dailyLotsSql(d: Dialect = 'sqlite'): string {
  return `WITH v AS (
    SELECT res.control_lot_id AS lot, ${dayOfSql('res.measured_at', d)} AS day, res.lab_id, res.analyte_id, res.level, res.value, u.status <> 'rejected' AS ok
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = ${TRUE(d)} AND res.excluded = ${FALSE(d)}),
  w AS (SELECT v.*, avg(CASE WHEN ok THEN value END) OVER (PARTITION BY lot, day) AS mean FROM v)
INSERT INTO iqc_daily_lots (control_lot_id, day, lab_id, analyte_id, level, results, n, mean, sum_sq_dev)
SELECT lot, day, lab_id, analyte_id, level, count(*), sum(CASE WHEN ok THEN 1 ELSE 0 END), mean,
       coalesce(sum(CASE WHEN ok THEN (value - mean) * (value - mean) END), 0)
FROM w GROUP BY lot, day${d === 'pg' ? ', lab_id, analyte_id, level, mean' : ''}`;
}

/** Recompute every daily table from the stored runs and results (a repair; the migrations
 * backfill the same way). */
export async function rebuildIqcDaily(db: HasClient): Promise<void> {
  if (dialectOf(db) === 'pg') {
    const tables = ['iqc_daily_series', 'iqc_daily_lots', 'iqc_daily_pairs', 'iqc_region_days', 'iqc_region_months'];
    await withTx(db, async (tx) => {
      for (const t of tables) await rawRun(tx, sql.raw(`DELETE FROM ${t}`));
      for (const q of [dailySeriesSql('pg'), dailyLotsSql('pg'), ...rollupSql('pg')]) await rawRun(tx, sql.raw(q));
    });
    return;
  }
  db.$client.exec(
    `DELETE FROM iqc_daily_series; DELETE FROM iqc_daily_lots; DELETE FROM iqc_daily_pairs; DELETE FROM iqc_region_days; DELETE FROM iqc_region_months;
     ${dailySeriesSql()}; ${dailyLotsSql()}; ${ROLLUP_SQL.join('; ')};`,
  );
}

// The daily IQC aggregates and their roll-ups from every stored run and result, in SQL: the
// migrations' backfill and a repair (./daily-iqc-refresh.ts keeps them up to date day by day and is
// checked against this in test/integration/iqc-daily.test.ts).
// TODO(pg): $client.exec and date((t + 28800000) / 1000, 'unixepoch'); PostgreSQL: to_char/date_trunc on timestamptz
import type { HasClient } from '../bulk';
import { ROLLUP_SQL } from './daily-iqc-rollups';

/** The day (UTC+8, as lib/calendar's dayOf) of an epoch-ms column. */
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

/** Recompute every daily table from the stored runs and results (a repair; the migrations
 * backfill the same way). */
export function rebuildIqcDaily(db: HasClient): void {
  db.$client.exec(
    `DELETE FROM iqc_daily_series; DELETE FROM iqc_daily_lots; DELETE FROM iqc_daily_pairs; DELETE FROM iqc_region_days; DELETE FROM iqc_region_months;
     ${dailySeriesSql()}; ${dailyLotsSql()}; ${ROLLUP_SQL.join('; ')};`,
  );
}

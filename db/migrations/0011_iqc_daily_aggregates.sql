CREATE TABLE `iqc_daily_lots` (
	`control_lot_id` integer NOT NULL,
	`day` text NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`level` text NOT NULL,
	`results` integer NOT NULL,
	`n` integer NOT NULL,
	`mean` real,
	`sum_sq_dev` real,
	PRIMARY KEY(`control_lot_id`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `iqc_daily_lots_lab_day_idx` ON `iqc_daily_lots` (`lab_id`,`day`);--> statement-breakpoint
CREATE TABLE `iqc_daily_series` (
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`instrument` text NOT NULL,
	`day` text NOT NULL,
	`runs` integer NOT NULL,
	`rejected_runs` integer NOT NULL,
	`results` integer NOT NULL,
	`levels` integer NOT NULL,
	PRIMARY KEY(`lab_id`, `analyte_id`, `instrument`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `iqc_daily_series_lab_day_idx` ON `iqc_daily_series` (`lab_id`,`day`);--> statement-breakpoint
-- (WITHOUT ROWID added by hand: the rows live in their primary key's b-tree, one write less per row)
-- backfill from the stored runs and results (the same SQL as db/queries/daily-iqc.ts rebuildIqcDaily)
WITH r AS (
    SELECT lab_id, analyte_id, instrument, date((measured_at + 28800000) / 1000, 'unixepoch') AS day, count(*) AS runs, sum(status = 'rejected') AS rejected
    FROM iqc_runs  GROUP BY lab_id, analyte_id, instrument, day),
  v AS (
    SELECT res.lab_id, res.analyte_id, u.instrument, date((res.measured_at + 28800000) / 1000, 'unixepoch') AS day, count(*) AS results, count(DISTINCT res.level) AS levels
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = 1 AND res.excluded = 0  GROUP BY res.lab_id, res.analyte_id, u.instrument, day),
  d AS (SELECT lab_id, analyte_id, instrument, day FROM r UNION SELECT lab_id, analyte_id, instrument, day FROM v)
INSERT INTO iqc_daily_series (lab_id, analyte_id, instrument, day, runs, rejected_runs, results, levels)
SELECT d.lab_id, d.analyte_id, d.instrument, d.day, coalesce(r.runs, 0), coalesce(r.rejected, 0), coalesce(v.results, 0), coalesce(v.levels, 0)
FROM d LEFT JOIN r ON r.lab_id = d.lab_id AND r.analyte_id = d.analyte_id AND r.instrument = d.instrument AND r.day = d.day
       LEFT JOIN v ON v.lab_id = d.lab_id AND v.analyte_id = d.analyte_id AND v.instrument = d.instrument AND v.day = d.day;
--> statement-breakpoint
WITH v AS (
    SELECT res.control_lot_id AS lot, date((res.measured_at + 28800000) / 1000, 'unixepoch') AS day, res.lab_id, res.analyte_id, res.level, res.value, u.status <> 'rejected' AS ok
    FROM iqc_results res JOIN iqc_runs u ON u.id = res.run_id
    WHERE res.current = 1 AND res.excluded = 0 ),
  m AS (SELECT lot, day, avg(CASE WHEN ok THEN value END) AS mean FROM v GROUP BY lot, day)
INSERT INTO iqc_daily_lots (control_lot_id, day, lab_id, analyte_id, level, results, n, mean, sum_sq_dev)
SELECT v.lot, v.day, v.lab_id, v.analyte_id, v.level, count(*), sum(v.ok), m.mean,
       coalesce(sum(CASE WHEN v.ok THEN (v.value - m.mean) * (v.value - m.mean) END), 0)
FROM v JOIN m ON m.lot = v.lot AND m.day = v.day
GROUP BY v.lot, v.day;

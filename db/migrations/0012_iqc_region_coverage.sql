CREATE TABLE `iqc_daily_pairs` (
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`day` text NOT NULL,
	`levels` integer NOT NULL,
	PRIMARY KEY(`lab_id`, `analyte_id`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `iqc_region_days` (
	`region_id` integer NOT NULL,
	`day` text NOT NULL,
	`covered_pairs` integer NOT NULL,
	PRIMARY KEY(`region_id`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `iqc_region_months` (
	`region_id` integer NOT NULL,
	`month` text NOT NULL,
	`pairs` integer NOT NULL,
	PRIMARY KEY(`region_id`, `month`)
) WITHOUT ROWID;
--> statement-breakpoint
-- (WITHOUT ROWID added by hand.) Backfill from the daily control-lot rows (db/queries/daily-iqc.ts ROLLUP_SQL)
INSERT INTO iqc_daily_pairs (lab_id, analyte_id, day, levels)
   SELECT lab_id, analyte_id, day, count(DISTINCT level) FROM iqc_daily_lots GROUP BY lab_id, analyte_id, day;
--> statement-breakpoint
INSERT INTO iqc_region_days (region_id, day, covered_pairs)
   SELECT l.region_id, p.day, sum(p.levels >= 2) FROM iqc_daily_pairs p JOIN laboratories l ON l.id = p.lab_id
   GROUP BY l.region_id, p.day HAVING sum(p.levels >= 2) > 0;
--> statement-breakpoint
INSERT INTO iqc_region_months (region_id, month, pairs)
   SELECT l.region_id, substr(p.day, 1, 7), count(DISTINCT p.lab_id || ':' || p.analyte_id) FROM iqc_daily_pairs p JOIN laboratories l ON l.id = p.lab_id
   GROUP BY l.region_id, substr(p.day, 1, 7);

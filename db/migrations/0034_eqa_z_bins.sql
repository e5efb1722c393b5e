CREATE TABLE `eqa_z_bins` (
	`evaluation_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`bin` integer NOT NULL,
	`n` integer NOT NULL,
	PRIMARY KEY(`evaluation_id`, `lab_id`, `bin`),
	FOREIGN KEY (`evaluation_id`) REFERENCES `eqa_evaluations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- the bars of the evaluations made before this table (lib/stats zBin: z rounded to 9 decimals)
INSERT INTO `eqa_z_bins` (`evaluation_id`, `lab_id`, `bin`, `n`)
SELECT evaluation_id, lab_id, bin, count(*) FROM (
  SELECT evaluation_id, lab_id,
         CASE WHEN r >= 4 THEN 4 WHEN r >= 3 THEN 3 WHEN r > 2 THEN 2 WHEN r >= 1 THEN 1 WHEN r >= 0 THEN 0
              WHEN r >= -1 THEN -1 WHEN r >= -2 THEN -2 WHEN r > -3 THEN -3 ELSE -4 END AS bin
    FROM (SELECT evaluation_id, lab_id, round(z, 9) AS r FROM `eqa_result_evaluations` WHERE z IS NOT NULL)
) GROUP BY evaluation_id, lab_id, bin;

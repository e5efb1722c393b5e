CREATE TABLE `analyte_limit_ranges` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`analyte_id` integer NOT NULL,
	`from_value` real,
	`to_value` real,
	`percent` real,
	`absolute` real,
	`form` text,
	`threshold` real,
	`source` text NOT NULL,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `analyte_limit_ranges_analyte_idx` ON `analyte_limit_ranges` (`analyte_id`,`from_value`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_eqa_result_evaluations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`evaluation_id` integer NOT NULL,
	`submission_id` integer,
	`lab_id` integer NOT NULL,
	`sample_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`assigned_value_id` integer,
	`value` real,
	`deviation` real,
	`percent_deviation` real,
	`allowed` real,
	`z` real,
	`score_type` text,
	`acceptable` integer,
	`classification` text,
	`reason` text,
	`reason_n` integer,
	FOREIGN KEY (`evaluation_id`) REFERENCES `eqa_evaluations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`submission_id`) REFERENCES `eqa_submissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assigned_value_id`) REFERENCES `eqa_assigned_values`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_eqa_result_evaluations`("id", "evaluation_id", "submission_id", "lab_id", "sample_id", "analyte_id", "assigned_value_id", "value", "deviation", "percent_deviation", "allowed", "z", "score_type", "acceptable", "classification") SELECT "id", "evaluation_id", "submission_id", "lab_id", "sample_id", "analyte_id", "assigned_value_id", "value", "deviation", "percent_deviation", "allowed", "z", "score_type", "acceptable", "classification" FROM `eqa_result_evaluations`;--> statement-breakpoint
DROP TABLE `eqa_result_evaluations`;--> statement-breakpoint
ALTER TABLE `__new_eqa_result_evaluations` RENAME TO `eqa_result_evaluations`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `eqa_result_evaluations_eval_lab_idx` ON `eqa_result_evaluations` (`evaluation_id`,`lab_id`);--> statement-breakpoint
CREATE INDEX `eqa_result_evaluations_eval_sample_idx` ON `eqa_result_evaluations` (`evaluation_id`,`sample_id`,`analyte_id`);--> statement-breakpoint
ALTER TABLE `analytes` ADD `tea_form` text;--> statement-breakpoint
ALTER TABLE `eqa_analyte_scores` ADD `not_evaluated` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `eqa_reference_values` ADD `expanded_uncertainty` real;--> statement-breakpoint
ALTER TABLE `eqa_reference_values` ADD `coverage_factor` real;--> statement-breakpoint
ALTER TABLE `eqa_rounds` ADD `analytes` text;--> statement-breakpoint
ALTER TABLE `eqa_scheme_analytes` ADD `limit_form` text;--> statement-breakpoint
ALTER TABLE `eqa_scheme_analytes` ADD `threshold` real;--> statement-breakpoint
UPDATE `analytes` SET `tea_form` = CASE WHEN `tea_absolute_at_or_below` IS NOT NULL THEN 'threshold' ELSE 'greater_of' END WHERE `tea_percent` IS NOT NULL AND `tea_absolute` IS NOT NULL;

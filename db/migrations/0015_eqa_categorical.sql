CREATE TABLE `eqa_category_targets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`evaluation_id` integer NOT NULL,
	`sample_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`target_category` text,
	`basis` text,
	`n` integer NOT NULL,
	`agreeing` integer NOT NULL,
	`reason` text,
	FOREIGN KEY (`evaluation_id`) REFERENCES `eqa_evaluations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_category_targets_uq` ON `eqa_category_targets` (`evaluation_id`,`sample_id`,`analyte_id`);--> statement-breakpoint
ALTER TABLE `eqa_reference_values` ADD `category` text;--> statement-breakpoint
ALTER TABLE `eqa_result_evaluations` ADD `category` text;--> statement-breakpoint
ALTER TABLE `eqa_result_evaluations` ADD `target_category` text;--> statement-breakpoint
ALTER TABLE `eqa_result_evaluations` ADD `target_basis` text;--> statement-breakpoint
ALTER TABLE `eqa_result_evaluations` ADD `grade_distance` integer;--> statement-breakpoint
ALTER TABLE `eqa_schemes` ADD `consensus_percent` real DEFAULT 80 NOT NULL;--> statement-breakpoint
ALTER TABLE `eqa_schemes` ADD `ordinal_tolerance` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `eqa_schemes` ADD `negative_must_be_negative` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `eqa_schemes` ADD `pass_percent_qualitative` real DEFAULT 80 NOT NULL;--> statement-breakpoint
ALTER TABLE `eqa_schemes` ADD `pass_percent_ordinal` real DEFAULT 80 NOT NULL;--> statement-breakpoint
ALTER TABLE `eqa_schemes` ADD `pass_percent_nominal` real DEFAULT 100 NOT NULL;--> statement-breakpoint
ALTER TABLE `eqa_submissions` ADD `category` text;
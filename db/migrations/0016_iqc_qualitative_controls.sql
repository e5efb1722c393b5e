ALTER TABLE `control_lots` ADD `expected_category` text;--> statement-breakpoint
ALTER TABLE `control_lots` ADD `expected_from` integer;--> statement-breakpoint
ALTER TABLE `iqc_results` ADD `category` text;--> statement-breakpoint
ALTER TABLE `iqc_results` ADD `signal` real;
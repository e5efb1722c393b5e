ALTER TABLE `iqc_results` ADD `excluded_reason` text;--> statement-breakpoint
ALTER TABLE `iqc_runs` ADD `client_run_id` text;--> statement-breakpoint
CREATE INDEX `iqc_runs_client_idx` ON `iqc_runs` (`lab_id`,`client_run_id`);--> statement-breakpoint
ALTER TABLE `laboratories` ADD `run_window_minutes` integer DEFAULT 30 NOT NULL;
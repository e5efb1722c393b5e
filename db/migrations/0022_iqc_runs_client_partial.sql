DROP INDEX `iqc_runs_client_idx`;--> statement-breakpoint
CREATE INDEX `iqc_runs_client_idx` ON `iqc_runs` (`lab_id`,`client_run_id`) WHERE "iqc_runs"."client_run_id" IS NOT NULL;
DROP INDEX `iqc_runs_lab_status_idx`;--> statement-breakpoint
CREATE INDEX `iqc_runs_lab_rejected_idx` ON `iqc_runs` (`lab_id`,`measured_at`) WHERE "iqc_runs"."status" = 'rejected';
DROP INDEX "iqc_results_run_idx";--> statement-breakpoint
CREATE INDEX "iqc_results_run_idx" ON "iqc_results" USING btree ("run_id","lab_id");
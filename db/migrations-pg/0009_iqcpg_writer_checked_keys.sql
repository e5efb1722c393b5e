-- The keys of IQC results (to their run and control lot), violations and corrective actions (to their run)
-- are checked by the IQC writer for the whole batch (PgIqcStatements.flush, db/pg/iqc-ingest.ts) instead of
-- row by row: see FOREIGN_KEYS_CHECKED_BY_WRITER in db/pg/differences.ts. SQLite keeps them declared.
ALTER TABLE "corrective_actions" DROP CONSTRAINT "corrective_actions_run_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_results" DROP CONSTRAINT "iqc_results_run_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_results" DROP CONSTRAINT "iqc_results_control_lot_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_violations" DROP CONSTRAINT "iqc_violations_run_id_fk";

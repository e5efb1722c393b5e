-- Citus-ready keys (issue 14, db/pg/differences.ts): every lab-owned table carries lab_id in its
-- primary key, its unique keys and its foreign keys to the other lab-owned tables, so db/citus.sql
-- can distribute them by lab_id. Edited by hand after drizzle-kit generate: qc_targets.lab_id is
-- back-filled from its control lot before it becomes NOT NULL, and the old keys are dropped (their
-- foreign keys first) before the new ones are made. On a large database this rewrites every key
-- index of these tables: run it in a maintenance window.
ALTER TABLE "corrective_actions" DROP CONSTRAINT "corrective_actions_run_id_iqc_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_results" DROP CONSTRAINT "iqc_results_run_id_iqc_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_results" DROP CONSTRAINT "iqc_results_control_lot_id_control_lots_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_results" DROP CONSTRAINT "iqc_results_target_id_qc_targets_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_violations" DROP CONSTRAINT "iqc_violations_run_id_iqc_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "qc_targets" DROP CONSTRAINT "qc_targets_control_lot_id_control_lots_id_fk";
--> statement-breakpoint
ALTER TABLE "eqa_result_evaluations" DROP CONSTRAINT "eqa_result_evaluations_submission_id_eqa_submissions_id_fk";
--> statement-breakpoint
ALTER TABLE "certification_events" DROP CONSTRAINT "certification_events_certification_id_certifications_id_fk";
--> statement-breakpoint
DROP INDEX "corrective_actions_run_uq";
--> statement-breakpoint
DROP INDEX "iqc_results_dedup_uq";
--> statement-breakpoint
DROP INDEX "qc_targets_uq";
--> statement-breakpoint
DROP INDEX "certifications_no_uq";
--> statement-breakpoint
ALTER TABLE "qc_targets" ADD COLUMN "lab_id" bigint;
--> statement-breakpoint
UPDATE "qc_targets" t SET "lab_id" = l."lab_id" FROM "control_lots" l WHERE l."id" = t."control_lot_id";
--> statement-breakpoint
ALTER TABLE "qc_targets" ALTER COLUMN "lab_id" SET NOT NULL;
--> statement-breakpoint
ALTER TABLE "control_lots" DROP CONSTRAINT "control_lots_pkey";
--> statement-breakpoint
ALTER TABLE "corrective_actions" DROP CONSTRAINT "corrective_actions_pkey";
--> statement-breakpoint
ALTER TABLE "iqc_runs" DROP CONSTRAINT "iqc_runs_pkey";
--> statement-breakpoint
ALTER TABLE "iqc_violations" DROP CONSTRAINT "iqc_violations_pkey";
--> statement-breakpoint
ALTER TABLE "qc_rule_configs" DROP CONSTRAINT "qc_rule_configs_pkey";
--> statement-breakpoint
ALTER TABLE "qc_rule_set_versions" DROP CONSTRAINT "qc_rule_set_versions_pkey";
--> statement-breakpoint
ALTER TABLE "qc_targets" DROP CONSTRAINT "qc_targets_pkey";
--> statement-breakpoint
ALTER TABLE "eqa_analyte_scores" DROP CONSTRAINT "eqa_analyte_scores_pkey";
--> statement-breakpoint
ALTER TABLE "eqa_result_evaluations" DROP CONSTRAINT "eqa_result_evaluations_pkey";
--> statement-breakpoint
ALTER TABLE "eqa_submissions" DROP CONSTRAINT "eqa_submissions_pkey";
--> statement-breakpoint
ALTER TABLE "certification_events" DROP CONSTRAINT "certification_events_pkey";
--> statement-breakpoint
ALTER TABLE "certifications" DROP CONSTRAINT "certifications_pkey";
--> statement-breakpoint
ALTER TABLE "eligibility_results" DROP CONSTRAINT "eligibility_results_pkey";
--> statement-breakpoint
ALTER TABLE "iqc_daily_lots" DROP CONSTRAINT "iqc_daily_lots_control_lot_id_day_pk";
--> statement-breakpoint
ALTER TABLE "control_lots" ADD CONSTRAINT "control_lots_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "corrective_actions" ADD CONSTRAINT "corrective_actions_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "iqc_daily_lots" ADD CONSTRAINT "iqc_daily_lots_control_lot_id_day_lab_id_pk" PRIMARY KEY("control_lot_id","day","lab_id");
--> statement-breakpoint
ALTER TABLE "iqc_runs" ADD CONSTRAINT "iqc_runs_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "iqc_violations" ADD CONSTRAINT "iqc_violations_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "qc_rule_configs" ADD CONSTRAINT "qc_rule_configs_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "qc_rule_set_versions" ADD CONSTRAINT "qc_rule_set_versions_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "qc_targets" ADD CONSTRAINT "qc_targets_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "eqa_analyte_scores" ADD CONSTRAINT "eqa_analyte_scores_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "eqa_result_evaluations" ADD CONSTRAINT "eqa_result_evaluations_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "eqa_submissions" ADD CONSTRAINT "eqa_submissions_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "certification_events" ADD CONSTRAINT "certification_events_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "certifications" ADD CONSTRAINT "certifications_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "eligibility_results" ADD CONSTRAINT "eligibility_results_id_lab_id_pk" PRIMARY KEY("id","lab_id");
--> statement-breakpoint
ALTER TABLE "corrective_actions" ADD CONSTRAINT "corrective_actions_run_id_fk" FOREIGN KEY ("lab_id","run_id") REFERENCES "public"."iqc_runs"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "iqc_results" ADD CONSTRAINT "iqc_results_run_id_fk" FOREIGN KEY ("lab_id","run_id") REFERENCES "public"."iqc_runs"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "iqc_results" ADD CONSTRAINT "iqc_results_control_lot_id_fk" FOREIGN KEY ("lab_id","control_lot_id") REFERENCES "public"."control_lots"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "iqc_results" ADD CONSTRAINT "iqc_results_target_id_fk" FOREIGN KEY ("lab_id","target_id") REFERENCES "public"."qc_targets"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "iqc_violations" ADD CONSTRAINT "iqc_violations_run_id_fk" FOREIGN KEY ("lab_id","run_id") REFERENCES "public"."iqc_runs"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "qc_targets" ADD CONSTRAINT "qc_targets_control_lot_id_fk" FOREIGN KEY ("lab_id","control_lot_id") REFERENCES "public"."control_lots"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "eqa_result_evaluations" ADD CONSTRAINT "eqa_result_evaluations_submission_id_fk" FOREIGN KEY ("lab_id","submission_id") REFERENCES "public"."eqa_submissions"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "certification_events" ADD CONSTRAINT "certification_events_certification_id_fk" FOREIGN KEY ("lab_id","certification_id") REFERENCES "public"."certifications"("lab_id","id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE UNIQUE INDEX "corrective_actions_run_uq" ON "corrective_actions" USING btree ("run_id","lab_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "iqc_results_dedup_uq" ON "iqc_results" USING btree ("control_lot_id","measured_at","value","lab_id") WHERE "current" = true;
--> statement-breakpoint
CREATE UNIQUE INDEX "qc_targets_uq" ON "qc_targets" USING btree ("control_lot_id","version","lab_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "certifications_no_uq" ON "certifications" USING btree ("certificate_no","lab_id");

-- The foreign keys of an EQA evaluation's graded results and scores are checked by their writer for the
-- whole set (lockEvaluationRow, checkGradedParents, db/queries/eqa-evaluation.ts) instead of row by row: see
-- FOREIGN_KEYS_CHECKED_BY_WRITER in db/pg/differences.ts. SQLite keeps them declared.
ALTER TABLE "eqa_analyte_scores" DROP CONSTRAINT "eqa_analyte_scores_evaluation_id_eqa_evaluations_id_fk";
--> statement-breakpoint
ALTER TABLE "eqa_result_evaluations" DROP CONSTRAINT "eqa_result_evaluations_evaluation_id_eqa_evaluations_id_fk";
--> statement-breakpoint
ALTER TABLE "eqa_result_evaluations" DROP CONSTRAINT "eqa_result_evaluations_assigned_value_id_eqa_assigned_values_id_fk";
--> statement-breakpoint
ALTER TABLE "eqa_result_evaluations" DROP CONSTRAINT "eqa_result_evaluations_submission_id_fk";

CREATE TABLE `analytes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`loinc` text,
	`name_en` text NOT NULL,
	`name_zh` text NOT NULL,
	`unit` text NOT NULL,
	`category` text NOT NULL,
	`tea_percent` real,
	`tea_absolute` real,
	`tea_absolute_at_or_below` real,
	`tea_source` text NOT NULL,
	`allowable_cv_percent` real,
	`allowable_bias_percent` real,
	`cv_source` text,
	`nccl_eqa_range` text,
	`clia_limit` text,
	`clia_confidence` text,
	`notes` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analytes_code_uq` ON `analytes` (`code`);--> statement-breakpoint
CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_uq` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_lab_idx` ON `api_tokens` (`lab_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor_id` integer,
	`actor_email` text,
	`action` text NOT NULL,
	`entity_type` text,
	`entity_id` text,
	`lab_id` integer,
	`region_id` integer,
	`details` text,
	`ip` text
);
--> statement-breakpoint
CREATE INDEX `audit_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE INDEX `audit_entity_idx` ON `audit_log` (`entity_type`,`entity_id`);--> statement-breakpoint
CREATE INDEX `audit_lab_idx` ON `audit_log` (`lab_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_action_idx` ON `audit_log` (`action`,`at`);--> statement-breakpoint
CREATE TABLE `certification_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`certification_id` integer,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`action` text NOT NULL,
	`from_status` text,
	`to_status` text,
	`effective_on` text NOT NULL,
	`reason` text NOT NULL,
	`actor_id` integer,
	`at` integer NOT NULL,
	FOREIGN KEY (`certification_id`) REFERENCES `certifications`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`actor_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `certification_events_cert_idx` ON `certification_events` (`certification_id`,`effective_on`);--> statement-breakpoint
CREATE INDEX `certification_events_lab_idx` ON `certification_events` (`lab_id`,`analyte_id`);--> statement-breakpoint
CREATE TABLE `certifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`scope_region_id` integer NOT NULL,
	`scope` text NOT NULL,
	`mark` text NOT NULL,
	`certificate_no` text NOT NULL,
	`status` text NOT NULL,
	`valid_from` text NOT NULL,
	`valid_to` text NOT NULL,
	`flagged` integer DEFAULT false NOT NULL,
	`flag_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`scope_region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certifications_no_uq` ON `certifications` (`certificate_no`);--> statement-breakpoint
CREATE INDEX `certifications_lab_analyte_idx` ON `certifications` (`lab_id`,`analyte_id`,`valid_from`);--> statement-breakpoint
CREATE INDEX `certifications_status_idx` ON `certifications` (`status`,`flagged`);--> statement-breakpoint
CREATE TABLE `control_lots` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`level` text NOT NULL,
	`lot_number` text NOT NULL,
	`instrument` text DEFAULT '' NOT NULL,
	`material` text,
	`manufacturer` text,
	`expires_on` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `control_lots_uq` ON `control_lots` (`lab_id`,`analyte_id`,`level`,`lot_number`,`instrument`);--> statement-breakpoint
CREATE INDEX `control_lots_lab_analyte_idx` ON `control_lots` (`lab_id`,`analyte_id`);--> statement-breakpoint
CREATE TABLE `corrective_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`opened_at` integer NOT NULL,
	`cause` text,
	`action` text,
	`outcome` text,
	`resolved_by` integer,
	`resolved_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `iqc_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`resolved_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `corrective_actions_run_uq` ON `corrective_actions` (`run_id`);--> statement-breakpoint
CREATE INDEX `corrective_actions_lab_status_idx` ON `corrective_actions` (`lab_id`,`status`,`opened_at`);--> statement-breakpoint
CREATE TABLE `eligibility_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`policy_id` integer,
	`eligible` integer NOT NULL,
	`criteria` text NOT NULL,
	`computed_at` integer NOT NULL,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`policy_id`) REFERENCES `recognition_policies`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eligibility_results_uq` ON `eligibility_results` (`lab_id`,`analyte_id`);--> statement-breakpoint
CREATE INDEX `eligibility_results_eligible_idx` ON `eligibility_results` (`eligible`,`lab_id`);--> statement-breakpoint
CREATE TABLE `entity_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` integer NOT NULL,
	`version` integer NOT NULL,
	`data` text NOT NULL,
	`reason` text,
	`changed_by` integer,
	`changed_at` integer NOT NULL,
	FOREIGN KEY (`changed_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `entity_versions_uq` ON `entity_versions` (`entity_type`,`entity_id`,`version`);--> statement-breakpoint
CREATE TABLE `eqa_analyte_scores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`evaluation_id` integer NOT NULL,
	`round_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`samples` integer NOT NULL,
	`acceptable_count` integer NOT NULL,
	`score` real NOT NULL,
	`verdict` text NOT NULL,
	`not_submitted` integer NOT NULL,
	`unsuccessful` integer NOT NULL,
	FOREIGN KEY (`evaluation_id`) REFERENCES `eqa_evaluations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_analyte_scores_uq` ON `eqa_analyte_scores` (`evaluation_id`,`lab_id`,`analyte_id`);--> statement-breakpoint
CREATE INDEX `eqa_analyte_scores_lab_analyte_idx` ON `eqa_analyte_scores` (`lab_id`,`analyte_id`,`round_id`);--> statement-breakpoint
CREATE TABLE `eqa_assigned_values` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`evaluation_id` integer NOT NULL,
	`sample_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`peer_group` text NOT NULL,
	`source` text NOT NULL,
	`n` integer NOT NULL,
	`assigned_value` real NOT NULL,
	`robust_sd` real,
	`sigma_pt` real NOT NULL,
	`u_assigned` real,
	`u_negligible` integer NOT NULL,
	`iterations` integer,
	FOREIGN KEY (`evaluation_id`) REFERENCES `eqa_evaluations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `eqa_assigned_values_eval_idx` ON `eqa_assigned_values` (`evaluation_id`,`sample_id`,`analyte_id`);--> statement-breakpoint
CREATE TABLE `eqa_enrollments` (
	`scheme_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`enrolled_at` integer NOT NULL,
	`withdrawn_at` integer,
	PRIMARY KEY(`scheme_id`, `lab_id`),
	FOREIGN KEY (`scheme_id`) REFERENCES `eqa_schemes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `eqa_enrollments_lab_idx` ON `eqa_enrollments` (`lab_id`);--> statement-breakpoint
CREATE TABLE `eqa_evaluations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`round_id` integer NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`algorithm_version` text NOT NULL,
	`parameters` text NOT NULL,
	`input_digest` text,
	`progress` real DEFAULT 0 NOT NULL,
	`diff` text,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`evaluated_by` integer,
	FOREIGN KEY (`round_id`) REFERENCES `eqa_rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`evaluated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_evaluations_uq` ON `eqa_evaluations` (`round_id`,`version`);--> statement-breakpoint
CREATE TABLE `eqa_reference_values` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sample_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`value` real NOT NULL,
	`uncertainty` real,
	`source` text,
	FOREIGN KEY (`sample_id`) REFERENCES `eqa_samples`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_reference_values_uq` ON `eqa_reference_values` (`sample_id`,`analyte_id`);--> statement-breakpoint
CREATE TABLE `eqa_result_evaluations` (
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
	`acceptable` integer NOT NULL,
	`classification` text,
	FOREIGN KEY (`evaluation_id`) REFERENCES `eqa_evaluations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`submission_id`) REFERENCES `eqa_submissions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`assigned_value_id`) REFERENCES `eqa_assigned_values`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `eqa_result_evaluations_eval_lab_idx` ON `eqa_result_evaluations` (`evaluation_id`,`lab_id`);--> statement-breakpoint
CREATE INDEX `eqa_result_evaluations_eval_sample_idx` ON `eqa_result_evaluations` (`evaluation_id`,`sample_id`,`analyte_id`);--> statement-breakpoint
CREATE TABLE `eqa_rounds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`scheme_id` integer NOT NULL,
	`code` text NOT NULL,
	`opens_at` integer NOT NULL,
	`closes_at` integer NOT NULL,
	`status` text DEFAULT 'draft' NOT NULL,
	`published_at` integer,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`scheme_id`) REFERENCES `eqa_schemes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_rounds_code_uq` ON `eqa_rounds` (`code`);--> statement-breakpoint
CREATE INDEX `eqa_rounds_scheme_idx` ON `eqa_rounds` (`scheme_id`,`closes_at`);--> statement-breakpoint
CREATE TABLE `eqa_samples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`round_id` integer NOT NULL,
	`code` text NOT NULL,
	`ordinal` integer NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `eqa_rounds`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_samples_uq` ON `eqa_samples` (`round_id`,`code`);--> statement-breakpoint
CREATE TABLE `eqa_scheme_analytes` (
	`scheme_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`percent` real,
	`absolute` real,
	`min_score` real,
	PRIMARY KEY(`scheme_id`, `analyte_id`),
	FOREIGN KEY (`scheme_id`) REFERENCES `eqa_schemes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `eqa_schemes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`name_en` text,
	`region_id` integer NOT NULL,
	`min_round_score` real DEFAULT 80 NOT NULL,
	`sigma_pt_source` text DEFAULT 'allowable_error' NOT NULL,
	`peer_grouping` text DEFAULT 'method' NOT NULL,
	`min_peer_group_size` integer DEFAULT 8 NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_schemes_code_uq` ON `eqa_schemes` (`code`);--> statement-breakpoint
CREATE INDEX `eqa_schemes_region_idx` ON `eqa_schemes` (`region_id`);--> statement-breakpoint
CREATE TABLE `eqa_submissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`round_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`sample_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`value` real NOT NULL,
	`method` text DEFAULT '' NOT NULL,
	`instrument` text DEFAULT '' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`current` integer DEFAULT true NOT NULL,
	`source` text NOT NULL,
	`submitted_by` integer,
	`submitted_at` integer NOT NULL,
	FOREIGN KEY (`round_id`) REFERENCES `eqa_rounds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sample_id`) REFERENCES `eqa_samples`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`submitted_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `eqa_submissions_round_lab_idx` ON `eqa_submissions` (`round_id`,`lab_id`,`analyte_id`);--> statement-breakpoint
CREATE INDEX `eqa_submissions_round_sample_idx` ON `eqa_submissions` (`round_id`,`sample_id`,`analyte_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_submissions_current_uq` ON `eqa_submissions` (`round_id`,`lab_id`,`sample_id`,`analyte_id`) WHERE current = 1;--> statement-breakpoint
CREATE TABLE `iqc_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`control_lot_id` integer NOT NULL,
	`level` text NOT NULL,
	`value` real NOT NULL,
	`measured_at` integer NOT NULL,
	`target_id` integer,
	`z` real,
	`version` integer DEFAULT 1 NOT NULL,
	`current` integer DEFAULT true NOT NULL,
	`supersedes_id` integer,
	`reason` text,
	`excluded` integer DEFAULT false NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `iqc_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`control_lot_id`) REFERENCES `control_lots`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`target_id`) REFERENCES `qc_targets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `iqc_results_run_idx` ON `iqc_results` (`run_id`);--> statement-breakpoint
CREATE INDEX `iqc_results_lot_time_idx` ON `iqc_results` (`control_lot_id`,`measured_at`);--> statement-breakpoint
CREATE INDEX `iqc_results_lab_analyte_time_idx` ON `iqc_results` (`lab_id`,`analyte_id`,`measured_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `iqc_results_dedup_uq` ON `iqc_results` (`control_lot_id`,`measured_at`,`value`) WHERE current = 1;--> statement-breakpoint
CREATE TABLE `iqc_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`instrument` text DEFAULT '' NOT NULL,
	`measured_at` integer NOT NULL,
	`status` text NOT NULL,
	`rules` text NOT NULL,
	`evaluated_at` integer NOT NULL,
	`source` text NOT NULL,
	`operator` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `iqc_runs_lab_analyte_time_idx` ON `iqc_runs` (`lab_id`,`analyte_id`,`measured_at`);--> statement-breakpoint
CREATE INDEX `iqc_runs_lab_time_idx` ON `iqc_runs` (`lab_id`,`measured_at`);--> statement-breakpoint
CREATE INDEX `iqc_runs_lab_status_idx` ON `iqc_runs` (`lab_id`,`status`);--> statement-breakpoint
CREATE TABLE `iqc_violations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`rule` text NOT NULL,
	`levels` text NOT NULL,
	`measured_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `iqc_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `iqc_violations_run_idx` ON `iqc_violations` (`run_id`);--> statement-breakpoint
CREATE INDEX `iqc_violations_lab_time_idx` ON `iqc_violations` (`lab_id`,`measured_at`);--> statement-breakpoint
CREATE TABLE `laboratories` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`name_en` text,
	`level` text NOT NULL,
	`region_id` integer NOT NULL,
	`address` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `labs_code_uq` ON `laboratories` (`code`);--> statement-breakpoint
CREATE INDEX `labs_region_idx` ON `laboratories` (`region_id`);--> statement-breakpoint
CREATE INDEX `labs_name_idx` ON `laboratories` (`name`);--> statement-breakpoint
CREATE TABLE `qc_rule_configs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`rules` text NOT NULL,
	`updated_by` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`updated_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `qc_rule_configs_uq` ON `qc_rule_configs` (`lab_id`,`analyte_id`);--> statement-breakpoint
CREATE TABLE `qc_targets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`control_lot_id` integer NOT NULL,
	`version` integer NOT NULL,
	`mean` real NOT NULL,
	`sd` real NOT NULL,
	`source` text NOT NULL,
	`basis_n` integer,
	`effective_from` integer NOT NULL,
	`reason` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`control_lot_id`) REFERENCES `control_lots`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `qc_targets_uq` ON `qc_targets` (`control_lot_id`,`version`);--> statement-breakpoint
CREATE INDEX `qc_targets_effective_idx` ON `qc_targets` (`control_lot_id`,`effective_from`);--> statement-breakpoint
CREATE TABLE `recognition_policies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`region_id` integer NOT NULL,
	`version` integer NOT NULL,
	`effective_from` text NOT NULL,
	`criteria` text NOT NULL,
	`analyte_codes` text NOT NULL,
	`validity_months` integer DEFAULT 12 NOT NULL,
	`reason` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recognition_policies_uq` ON `recognition_policies` (`region_id`,`version`);--> statement-breakpoint
CREATE INDEX `recognition_policies_effective_idx` ON `recognition_policies` (`region_id`,`effective_from`);--> statement-breakpoint
CREATE TABLE `regions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`name_en` text NOT NULL,
	`level` text NOT NULL,
	`parent_id` integer,
	`path` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `regions_code_uq` ON `regions` (`code`);--> statement-breakpoint
CREATE INDEX `regions_path_idx` ON `regions` (`path`);--> statement-breakpoint
CREATE INDEX `regions_parent_idx` ON `regions` (`parent_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`lab_id` integer,
	`region_id` integer,
	`locale` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deactivated_at` integer,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`region_id`) REFERENCES `regions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_uq` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_lab_idx` ON `users` (`lab_id`);--> statement-breakpoint
CREATE INDEX `users_region_idx` ON `users` (`region_id`);
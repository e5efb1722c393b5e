CREATE INDEX `corrective_actions_lab_opened_idx` ON `corrective_actions` (`lab_id`,`opened_at`);--> statement-breakpoint
CREATE INDEX `eligibility_results_analyte_idx` ON `eligibility_results` (`analyte_id`,`eligible`,`lab_id`);--> statement-breakpoint
CREATE INDEX `eligibility_results_computed_idx` ON `eligibility_results` (`eligible`,`computed_at`);--> statement-breakpoint
CREATE INDEX `eqa_rounds_closes_idx` ON `eqa_rounds` (`closes_at`);--> statement-breakpoint
CREATE INDEX `users_role_name_idx` ON `users` (`role`,`name`);
CREATE TABLE `qc_rule_set_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
	`analyte_id` integer NOT NULL,
	`version` integer NOT NULL,
	`rules` text NOT NULL,
	`effective_from` integer NOT NULL,
	`reason` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `qc_rule_set_versions_uq` ON `qc_rule_set_versions` (`lab_id`,`analyte_id`,`version`);--> statement-breakpoint
CREATE INDEX `qc_rule_set_versions_lab_idx` ON `qc_rule_set_versions` (`lab_id`,`analyte_id`,`effective_from`);
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_eqa_enrollments` (
	`scheme_id` integer NOT NULL,
	`lab_id` integer NOT NULL,
	`enrolled_at` integer NOT NULL,
	`withdrawn_at` integer,
	PRIMARY KEY(`scheme_id`, `lab_id`, `enrolled_at`),
	FOREIGN KEY (`scheme_id`) REFERENCES `eqa_schemes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_eqa_enrollments`("scheme_id", "lab_id", "enrolled_at", "withdrawn_at") SELECT "scheme_id", "lab_id", "enrolled_at", "withdrawn_at" FROM `eqa_enrollments`;--> statement-breakpoint
DROP TABLE `eqa_enrollments`;--> statement-breakpoint
ALTER TABLE `__new_eqa_enrollments` RENAME TO `eqa_enrollments`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `eqa_enrollments_lab_idx` ON `eqa_enrollments` (`lab_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `eqa_enrollments_open_uq` ON `eqa_enrollments` (`scheme_id`,`lab_id`) WHERE withdrawn_at is null;
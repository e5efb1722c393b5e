CREATE TABLE `analyte_local_code_misses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` integer NOT NULL,
	`local_code` text NOT NULL,
	`seen` integer DEFAULT 1 NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analyte_local_code_misses_uq` ON `analyte_local_code_misses` (`owner_id`,`local_code`);--> statement-breakpoint
CREATE INDEX `analyte_local_code_misses_recent_idx` ON `analyte_local_code_misses` (`owner_id`,`last_seen_at`);--> statement-breakpoint
CREATE TABLE `analyte_local_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`owner_id` integer NOT NULL,
	`local_code` text NOT NULL,
	`analyte_id` integer NOT NULL,
	`created_by` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`analyte_id`) REFERENCES `analytes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `analyte_local_codes_uq` ON `analyte_local_codes` (`owner_id`,`local_code`);--> statement-breakpoint
ALTER TABLE `recognition_policies` ADD `windows` text;
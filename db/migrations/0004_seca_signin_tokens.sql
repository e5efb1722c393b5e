CREATE TABLE `sign_in_throttle` (
	`key` text PRIMARY KEY NOT NULL,
	`user_id` integer,
	`window_start` integer NOT NULL,
	`failures` integer NOT NULL,
	`refused` integer DEFAULT 0 NOT NULL,
	`locked_until` integer,
	`last_at` integer NOT NULL,
	`last_reason` text
);
--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `scopes` text DEFAULT '["read","iqc:write","eqa:submit"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `expires_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `must_change_password` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `session_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `password_changed_at` integer;
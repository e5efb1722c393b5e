CREATE TABLE `job_runs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`instance` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`output` text
);
--> statement-breakpoint
CREATE TABLE `rate_limit_windows` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`hits` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rate_limit_windows_start_idx` ON `rate_limit_windows` (`window_start`);
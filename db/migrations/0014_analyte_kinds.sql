ALTER TABLE `analytes` ADD `kind` text DEFAULT 'quantitative' NOT NULL;--> statement-breakpoint
ALTER TABLE `analytes` ADD `categories` text;--> statement-breakpoint
ALTER TABLE `analytes` ADD `signal_unit` text;--> statement-breakpoint
ALTER TABLE `analytes` ADD `signal_cutoff` real;
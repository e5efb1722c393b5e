-- qc_targets gains lab_id (issue 14: every lab-owned table carries its lab, the Citus distribution
-- column), back-filled from its control lot. SQLite cannot add a NOT NULL column without a default,
-- so the table is rebuilt (db/migrate.ts runs migrations with foreign keys off, as the rebuild needs:
-- iqc_results.target_id points here, and checks them all afterwards).
CREATE TABLE `__new_qc_targets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`lab_id` integer NOT NULL,
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
INSERT INTO `__new_qc_targets`("id", "lab_id", "control_lot_id", "version", "mean", "sd", "source", "basis_n", "effective_from", "reason", "created_by", "created_at")
  SELECT t."id", l."lab_id", t."control_lot_id", t."version", t."mean", t."sd", t."source", t."basis_n", t."effective_from", t."reason", t."created_by", t."created_at"
  FROM `qc_targets` t JOIN `control_lots` l ON l."id" = t."control_lot_id";--> statement-breakpoint
UPDATE `sqlite_sequence` SET "seq" = (SELECT "seq" FROM `sqlite_sequence` WHERE "name" = 'qc_targets') WHERE "name" = '__new_qc_targets';--> statement-breakpoint
DROP TABLE `qc_targets`;--> statement-breakpoint
ALTER TABLE `__new_qc_targets` RENAME TO `qc_targets`;--> statement-breakpoint
CREATE UNIQUE INDEX `qc_targets_uq` ON `qc_targets` (`control_lot_id`,`version`);--> statement-breakpoint
CREATE INDEX `qc_targets_effective_idx` ON `qc_targets` (`control_lot_id`,`effective_from`);

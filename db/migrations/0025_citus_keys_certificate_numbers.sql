-- The register of certificate numbers (issue 14, db/schema/recognition.ts), filled from the
-- certifications issued so far.
CREATE TABLE `certificate_numbers` (
	`certificate_no` text PRIMARY KEY NOT NULL,
	`lab_id` integer NOT NULL,
	`certification_id` integer NOT NULL,
	FOREIGN KEY (`lab_id`) REFERENCES `laboratories`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `certificate_numbers` ("certificate_no", "lab_id", "certification_id") SELECT "certificate_no", "lab_id", "id" FROM `certifications`;

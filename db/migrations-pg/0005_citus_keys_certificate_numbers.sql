-- The register of certificate numbers (issue 14, db/schema/recognition.ts): unique across labs
-- while certifications_no_uq holds within a lab only; filled from the certifications issued so far.
CREATE TABLE "certificate_numbers" (
	"certificate_no" text PRIMARY KEY NOT NULL,
	"lab_id" bigint NOT NULL,
	"certification_id" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "certificate_numbers" ADD CONSTRAINT "certificate_numbers_lab_id_laboratories_id_fk" FOREIGN KEY ("lab_id") REFERENCES "public"."laboratories"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
INSERT INTO "certificate_numbers" ("certificate_no", "lab_id", "certification_id") SELECT "certificate_no", "lab_id", "id" FROM "certifications";

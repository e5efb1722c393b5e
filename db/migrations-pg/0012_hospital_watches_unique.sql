-- One watch per owner and lab or region. Two adds of the same watch at once could both insert on
-- PostgreSQL (each found none under read committed); such twins are the same watch, so the later
-- copies go (the first, lowest id, stays) before the unique indexes that now refuse them.
DELETE FROM "hospital_watches" WHERE "lab_id" IS NOT NULL AND "id" NOT IN (SELECT min("id") FROM "hospital_watches" WHERE "lab_id" IS NOT NULL GROUP BY "owner_id", "lab_id");--> statement-breakpoint
DELETE FROM "hospital_watches" WHERE "region_id" IS NOT NULL AND "id" NOT IN (SELECT min("id") FROM "hospital_watches" WHERE "region_id" IS NOT NULL GROUP BY "owner_id", "region_id");--> statement-breakpoint
DROP INDEX "hospital_watches_owner_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "hospital_watches_owner_lab_uq" ON "hospital_watches" USING btree ("owner_id","lab_id");--> statement-breakpoint
CREATE UNIQUE INDEX "hospital_watches_owner_region_uq" ON "hospital_watches" USING btree ("owner_id","region_id");
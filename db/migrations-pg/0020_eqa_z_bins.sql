CREATE TABLE "eqa_z_bins" (
	"evaluation_id" bigint NOT NULL,
	"lab_id" bigint NOT NULL,
	"bin" integer NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "eqa_z_bins_evaluation_id_lab_id_bin_pk" PRIMARY KEY("evaluation_id","lab_id","bin")
);
--> statement-breakpoint
ALTER TABLE "eqa_z_bins" ADD CONSTRAINT "eqa_z_bins_evaluation_id_eqa_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."eqa_evaluations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- the bars of the evaluations made before this table (lib/stats zBin: z rounded to 9 decimals)
INSERT INTO "eqa_z_bins" ("evaluation_id", "lab_id", "bin", "n")
SELECT evaluation_id, lab_id, bin, count(*) FROM (
  SELECT evaluation_id, lab_id,
         CASE WHEN r >= 4 THEN 4 WHEN r >= 3 THEN 3 WHEN r > 2 THEN 2 WHEN r >= 1 THEN 1 WHEN r >= 0 THEN 0
              WHEN r >= -1 THEN -1 WHEN r >= -2 THEN -2 WHEN r > -3 THEN -3 ELSE -4 END AS bin
    FROM (SELECT evaluation_id, lab_id, round(z::numeric, 9) AS r FROM "eqa_result_evaluations" WHERE z IS NOT NULL) AS graded
) AS binned GROUP BY evaluation_id, lab_id, bin;

-- A version of an IQC result is corrected once: two corrections of one version would fork its chain
-- into two current versions (the services refuse it under their lock; this holds for any writer).
CREATE UNIQUE INDEX "iqc_results_supersedes_uq" ON "iqc_results" USING btree ("supersedes_id","measured_at","lab_id") WHERE supersedes_id IS NOT NULL;
DROP INDEX `iqc_daily_lots_lab_analyte_day_idx`;--> statement-breakpoint
DROP INDEX `iqc_daily_series_lab_day_idx`;
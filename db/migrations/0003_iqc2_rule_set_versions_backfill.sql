-- The rule sets configured before versioning become version 1, in force from the beginning (as
-- they were applied to every evaluation until now).
INSERT INTO `qc_rule_set_versions` (`lab_id`, `analyte_id`, `version`, `rules`, `effective_from`, `reason`, `created_by`, `created_at`)
SELECT `lab_id`, `analyte_id`, 1, `rules`, 0, 'configured before rule set versions', `updated_by`, `updated_at` FROM `qc_rule_configs`;

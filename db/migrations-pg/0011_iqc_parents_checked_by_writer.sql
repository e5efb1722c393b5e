-- Five keys of the IQC writer's rows are checked by the writer, set-wise once per flush, with the
-- parents locked FOR KEY SHARE (db/pg/iqc-parents.ts; FOREIGN_KEYS_CHECKED_BY_WRITER in
-- db/pg/differences.ts): a run's laboratory, item and author, a result's target and author. The
-- parent side of those keys stays in the database: a laboratory, item, user or QC target that IQC
-- rows still name cannot be deleted or re-keyed (the error a declared key gives, 23503). Parents are
-- locked by the writer, so a delete waits for the ingest's commit and then sees its rows.
ALTER TABLE "iqc_results" DROP CONSTRAINT "iqc_results_created_by_users_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_results" DROP CONSTRAINT "iqc_results_target_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_runs" DROP CONSTRAINT "iqc_runs_lab_id_laboratories_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_runs" DROP CONSTRAINT "iqc_runs_analyte_id_analytes_id_fk";
--> statement-breakpoint
ALTER TABLE "iqc_runs" DROP CONSTRAINT "iqc_runs_created_by_users_id_fk";
--> statement-breakpoint
CREATE FUNCTION labqc_refuse_iqc_parent_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  referenced boolean;
BEGIN
  -- each branch is planned only when it runs: OLD has the columns of the trigger's own table
  IF TG_TABLE_NAME = 'qc_targets' THEN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.lab_id = OLD.lab_id THEN RETURN NEW; END IF;
    referenced := EXISTS (SELECT 1 FROM iqc_results WHERE lab_id = OLD.lab_id AND target_id = OLD.id);
  ELSE
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN RETURN NEW; END IF;
    IF TG_TABLE_NAME = 'laboratories' THEN
      referenced := EXISTS (SELECT 1 FROM iqc_runs WHERE lab_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'analytes' THEN
      referenced := EXISTS (SELECT 1 FROM iqc_runs WHERE analyte_id = OLD.id);
    ELSE
      referenced := EXISTS (SELECT 1 FROM iqc_runs WHERE created_by = OLD.id) OR EXISTS (SELECT 1 FROM iqc_results WHERE created_by = OLD.id);
    END IF;
  END IF;
  IF referenced THEN
    RAISE EXCEPTION 'update or delete on table "%" violates a foreign key of the IQC rows', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced from IQC runs or results.', OLD.id);
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER laboratories_iqc_parent BEFORE DELETE OR UPDATE OF id ON laboratories FOR EACH ROW EXECUTE FUNCTION labqc_refuse_iqc_parent_change();
--> statement-breakpoint
CREATE TRIGGER analytes_iqc_parent BEFORE DELETE OR UPDATE OF id ON analytes FOR EACH ROW EXECUTE FUNCTION labqc_refuse_iqc_parent_change();
--> statement-breakpoint
CREATE TRIGGER users_iqc_parent BEFORE DELETE OR UPDATE OF id ON users FOR EACH ROW EXECUTE FUNCTION labqc_refuse_iqc_parent_change();
--> statement-breakpoint
CREATE TRIGGER qc_targets_iqc_parent BEFORE DELETE OR UPDATE OF id, lab_id ON qc_targets FOR EACH ROW EXECUTE FUNCTION labqc_refuse_iqc_parent_change();

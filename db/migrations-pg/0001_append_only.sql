-- Custom SQL migration (PostgreSQL): the same append-only rules as SQLite's triggers
-- (db/migrations 0001, 0009). The audit log may be updated in one way only: sealing a row that has
-- no hash yet with its prev_hash and hash, every other column unchanged; the decision history and
-- entity versions are never updated or deleted. TRUNCATE, which bypasses row triggers, is refused too.
CREATE FUNCTION labqc_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE FUNCTION labqc_audit_log_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.hash IS NULL AND OLD.prev_hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
     AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_email, NEW.action, NEW.entity_type, NEW.entity_id, NEW.lab_id, NEW.region_id, NEW.details, NEW.ip)
         IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor_id, OLD.actor_email, OLD.action, OLD.entity_type, OLD.entity_id, OLD.lab_id, OLD.region_id, OLD.details, OLD.ip) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION labqc_audit_log_seal_only();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION labqc_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION labqc_refuse_change();
--> statement-breakpoint
CREATE TRIGGER certification_events_no_change BEFORE UPDATE OR DELETE ON certification_events FOR EACH ROW EXECUTE FUNCTION labqc_refuse_change();
--> statement-breakpoint
CREATE TRIGGER certification_events_no_truncate BEFORE TRUNCATE ON certification_events FOR EACH STATEMENT EXECUTE FUNCTION labqc_refuse_change();
--> statement-breakpoint
CREATE TRIGGER entity_versions_no_change BEFORE UPDATE OR DELETE ON entity_versions FOR EACH ROW EXECUTE FUNCTION labqc_refuse_change();
--> statement-breakpoint
CREATE TRIGGER entity_versions_no_truncate BEFORE TRUNCATE ON entity_versions FOR EACH STATEMENT EXECUTE FUNCTION labqc_refuse_change();

-- Custom SQL migration (SEC-B): tamper-evident audit log and append-only decision history.
-- The audit log may be updated in one way only: sealing a row that has no hash yet with its
-- prev_hash and hash, every other column unchanged (db/queries/audit.ts does it in the row's own
-- transaction; existing rows are sealed once, in id order, right after this migration).
DROP TRIGGER IF EXISTS audit_log_no_update;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (
  OLD.hash IS NULL AND OLD.prev_hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
  AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id AND NEW.actor_email IS OLD.actor_email
  AND NEW.action IS OLD.action AND NEW.entity_type IS OLD.entity_type AND NEW.entity_id IS OLD.entity_id
  AND NEW.lab_id IS OLD.lab_id AND NEW.region_id IS OLD.region_id AND NEW.details IS OLD.details AND NEW.ip IS OLD.ip
)
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER certification_events_no_update BEFORE UPDATE ON certification_events
BEGIN
  SELECT RAISE(ABORT, 'certification_events is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER certification_events_no_delete BEFORE DELETE ON certification_events
BEGIN
  SELECT RAISE(ABORT, 'certification_events is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER entity_versions_no_update BEFORE UPDATE ON entity_versions
BEGIN
  SELECT RAISE(ABORT, 'entity_versions is append-only');
END;
--> statement-breakpoint
CREATE TRIGGER entity_versions_no_delete BEFORE DELETE ON entity_versions
BEGIN
  SELECT RAISE(ABORT, 'entity_versions is append-only');
END;

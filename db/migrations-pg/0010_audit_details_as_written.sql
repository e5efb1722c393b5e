-- The audit log's details as the text written (json, not jsonb: db/pg/differences.ts
-- JSON_KEPT_AS_WRITTEN): the hash chain covers that text, so a chain sealed on SQLite verifies after
-- `copy-to-postgres`. The table is rewritten with jsonb's spelling of the existing rows (which the
-- verification accepts for rows sealed before this, db/queries/audit-chain.ts); row triggers do not
-- fire on the rewrite. json has no equality: sealing compares the details as text, byte for byte.
ALTER TABLE "audit_log" ALTER COLUMN "details" SET DATA TYPE json;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION labqc_audit_log_seal_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.hash IS NULL AND OLD.prev_hash IS NULL AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
     AND (NEW.id, NEW.at, NEW.actor_id, NEW.actor_email, NEW.action, NEW.entity_type, NEW.entity_id, NEW.lab_id, NEW.region_id, NEW.details::text, NEW.ip)
         IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.actor_id, OLD.actor_email, OLD.action, OLD.entity_type, OLD.entity_id, OLD.lab_id, OLD.region_id, OLD.details::text, OLD.ip) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'restrict_violation';
END
$$;

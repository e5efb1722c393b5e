-- JIT compilation off for every new session of this database. LabQC's statements are index lookups
-- per key; over thousands of keys (a lateral subquery per series, day or watcher) the planner's cost
-- passes jit_above_cost, and PostgreSQL spent 0.2 s compiling for a statement that ran in 1 ms (the
-- hospital workspace's recent changes), 1.2–1.6 s per daily refresh of an import (db/pg/iqc-lock.ts).
-- A database-level default reaches every instance and pooler; a role that does not own the database
-- cannot set it, and is told how.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'LabQC: JIT stays on for database % (the migrating role does not own it); its owner can run: ALTER DATABASE % SET jit = off', current_database(), current_database();
END $$;

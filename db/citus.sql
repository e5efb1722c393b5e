-- Citus layout of LabQC (issue 14): run once on the coordinator, after `npm run db:migrate` and
-- before loading data, with the citus extension created (README, "PostgreSQL and Citus"):
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f db/citus.sql
--
-- * distributed by lab_id: what belongs to one laboratory (IQC lots, targets, rules, runs, results,
--   violations, corrective actions, daily aggregates; EQA enrolments, submissions, results and
--   scores; eligibility; certifications and their events), co-located so a lab's rows join locally;
-- * reference tables (copied to every node): the shared, slowly changing data (regions, labs,
--   catalogue, accounts, schemes, rounds, samples, evaluations, policies, calendar, the register of
--   certificate numbers that keeps them unique across labs, hospital mappings and watches, regional
--   aggregates);
-- * local to the coordinator: the audit log (one hash chain, one order), sign-in throttling, entity
--   versions, the webhook outbox, rate-limit windows and job runs (pg-boss's own tables live in its
--   schema `pgboss`, also on the coordinator).
--
-- It first checks what Citus requires: every primary key and unique index of a distributed table
-- contains lab_id, every foreign key between distributed tables joins lab_id to lab_id; reference
-- and local tables do not point at distributed ones (the keys are declared in db/pg/differences.ts,
-- migration 0004_citus_keys). Without the citus extension it distributes nothing and reports, as
-- NOTICEs, whether the database is ready; with it and anything not ready it refuses before changing
-- anything. test/integration/pg-citus.test.ts runs it on plain PostgreSQL and checks both the lists
-- below (every table classified once, the distributed ones as LAB_OWNED_TABLES) and that report
-- (no problems), and runs the distributing part against stand-ins of the citus functions that
-- record their calls (Citus itself is not installed in CI).
DO $labqc$
DECLARE
  distributed text[] := ARRAY[
    'control_lots', 'qc_targets', 'qc_rule_configs', 'qc_rule_set_versions',
    'iqc_runs', 'iqc_results', 'iqc_violations', 'corrective_actions',
    'iqc_daily_series', 'iqc_daily_lots', 'iqc_daily_pairs',
    'eqa_enrollments', 'eqa_submissions', 'eqa_result_evaluations', 'eqa_analyte_scores', 'eqa_z_bins',
    'eligibility_results', 'certifications', 'certification_events'];
  reference text[] := ARRAY[
    'regions', 'laboratories', 'analytes', 'analyte_limit_ranges', 'users', 'api_tokens',
    'recognition_policies', 'calendar_days', 'certificate_numbers',
    'eqa_schemes', 'eqa_scheme_analytes', 'eqa_rounds', 'eqa_samples', 'eqa_reference_values',
    'eqa_evaluations', 'eqa_assigned_values', 'eqa_category_targets',
    'analyte_local_codes', 'hospital_watches', 'webhook_endpoints',
    'iqc_region_days', 'iqc_region_months'];
  local_only text[] := ARRAY[
    'audit_log', 'entity_versions', 'sign_in_throttle', 'webhook_deliveries', 'webhook_attempts',
    'analyte_local_code_misses', 'rate_limit_windows', 'job_runs'];
  problems text[] := '{}';
  t text;
  lab smallint;
  r record;
  other text[];
  foreign_keys text[] := '{}';
BEGIN
  FOREACH t IN ARRAY distributed LOOP
    lab := (SELECT attnum FROM pg_attribute WHERE attrelid = t::regclass AND attname = 'lab_id' AND NOT attisdropped);
    IF lab IS NULL THEN
      problems := problems || format('%s has no lab_id column', t);
      CONTINUE;
    END IF;
    FOR r IN SELECT conname, contype, conkey, confkey, confrelid FROM pg_constraint WHERE conrelid = t::regclass AND contype IN ('p', 'u', 'f') ORDER BY conname LOOP
      IF r.contype IN ('p', 'u') AND NOT (lab = ANY (r.conkey)) THEN
        problems := problems || format('%s: key %s lacks lab_id', t, r.conname);
      ELSIF r.contype = 'f' AND r.confrelid::regclass::text = ANY (distributed) AND (NOT (lab = ANY (r.conkey))
            OR r.confkey[array_position(r.conkey, lab)] IS DISTINCT FROM (SELECT attnum FROM pg_attribute WHERE attrelid = r.confrelid AND attname = 'lab_id' AND NOT attisdropped)) THEN
        problems := problems || format('%s: foreign key %s to %s lacks lab_id', t, r.conname, r.confrelid::regclass);
      END IF;
    END LOOP;
    FOR r IN SELECT i.indexrelid::regclass::text AS name, i.indkey::smallint[] AS cols FROM pg_index i
              WHERE i.indrelid = t::regclass AND i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
              ORDER BY 1 LOOP
      IF NOT (lab = ANY (r.cols)) THEN
        problems := problems || format('%s: unique index %s lacks lab_id', t, r.name);
      END IF;
    END LOOP;
  END LOOP;
  FOREACH t IN ARRAY reference || local_only LOOP
    FOR r IN SELECT conname, confrelid FROM pg_constraint WHERE conrelid = t::regclass AND contype = 'f' AND confrelid::regclass::text = ANY (distributed) LOOP
      problems := problems || format('%s table %s: foreign key %s to distributed %s',
        CASE WHEN t = ANY (reference) THEN 'reference' ELSE 'local' END, t, r.conname, r.confrelid::regclass);
    END LOOP;
  END LOOP;
  -- every table of the schema is classified (a new table must be added to one of the lists)
  other := ARRAY(SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                    AND c.relname <> ALL (distributed || reference || local_only) ORDER BY 1);
  IF cardinality(other) > 0 THEN
    problems := problems || format('not classified: %s', array_to_string(other, ', '));
  END IF;

  IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'create_distributed_table') THEN
    RAISE NOTICE 'citus extension not installed: nothing distributed (% tables by lab_id, % reference, % local)',
      cardinality(distributed), cardinality(reference), cardinality(local_only);
    IF cardinality(problems) > 0 THEN
      RAISE NOTICE 'not yet Citus-ready (% problems): %', cardinality(problems), array_to_string(problems, '; ');
    ELSE
      RAISE NOTICE 'Citus-ready: 0 problems';
    END IF;
    RETURN;
  END IF;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'not Citus-ready, nothing distributed (% problems): %', cardinality(problems), array_to_string(problems, '; ');
  END IF;

  -- Citus distributes the target of an existing foreign key but not its source, and turns a plain
  -- table pointing at a new reference table into a Citus local table (which it cannot distribute
  -- with an identity column). So the foreign keys of these tables are set aside, every table is
  -- placed, and they come back as they were (Citus checks and propagates them). In one transaction:
  -- DDL on reference and distributed tables together needs sequential mode. certification_events
  -- keeps its append-only triggers (they only refuse, on each shard), which needs unsafe triggers on.
  PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
  PERFORM set_config('citus.enable_unsafe_triggers', 'on', true);
  -- The parents' guards of the IQC keys the writer checks (PostgreSQL migration 0011) read iqc_runs
  -- and iqc_results, which become distributed: a trigger on a reference table's shards cannot. They
  -- go; the writer's set-wise checks and parent locks stay, and the application deletes none of them.
  DROP TRIGGER IF EXISTS laboratories_iqc_parent ON laboratories;
  DROP TRIGGER IF EXISTS analytes_iqc_parent ON analytes;
  DROP TRIGGER IF EXISTS users_iqc_parent ON users;
  DROP TRIGGER IF EXISTS qc_targets_iqc_parent ON qc_targets;
  FOR r IN SELECT c.conrelid::regclass AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid::regclass::text = ANY (distributed || reference || local_only)
            ORDER BY 1, 2 LOOP
    foreign_keys := foreign_keys || format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tbl, r.conname, r.def);
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
  END LOOP;
  FOREACH t IN ARRAY reference LOOP
    PERFORM create_reference_table(t::regclass);
  END LOOP;
  FOREACH t IN ARRAY local_only LOOP
    PERFORM citus_add_local_table_to_metadata(t::regclass);
  END LOOP;
  -- all co-located with the first one: a lab's rows of every table on the same node
  FOREACH t IN ARRAY distributed LOOP
    PERFORM create_distributed_table(t::regclass, 'lab_id', colocate_with => CASE WHEN t = distributed[1] THEN 'default' ELSE distributed[1] END);
  END LOOP;
  FOREACH t IN ARRAY foreign_keys LOOP
    EXECUTE t;
  END LOOP;
  RAISE NOTICE 'distributed % tables by lab_id; % reference tables; % local tables; % foreign keys kept',
    cardinality(distributed), cardinality(reference), cardinality(local_only), cardinality(foreign_keys);
END
$labqc$;

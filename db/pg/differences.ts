// Where the PostgreSQL schema deliberately differs from the SQLite one (issue 14). The generator
// (db/pg/generate-schema.ts) applies these and the parity test (test/unit/pg-schema-parity.test.ts)
// accepts exactly these and nothing else.

/**
 * Column types per dialect. SQLite `integer` holds ids and epoch-millisecond instants (which pass
 * 2^31 in 1970 + 25 days) as well as small counts; on PostgreSQL ids and instants are `bigint`
 * (read as JS numbers: every value stays below 2^53), counts stay `integer`.
 */
export const TYPE_MAP = {
  SQLiteInteger: ['PgBigInt53', 'PgInteger'],
  SQLiteReal: ['PgDoublePrecision'],
  SQLiteText: ['PgText'],
  SQLiteTextJson: ['PgJsonb', 'PgJson'],
  SQLiteBoolean: ['PgBoolean'],
} as const;

/**
 * JSON columns kept on PostgreSQL as `json`, the text exactly as written, instead of `jsonb`, which
 * reorders keys and respaces: the audit log's details are part of each row's hash (db/queries/
 * audit-chain.ts), so a chain sealed on SQLite and copied here must read back the very text it was
 * sealed over. Nothing queries inside them.
 */
export const JSON_KEPT_AS_WRITTEN = ['audit_log.details'] as const;

/** An integer column that holds an id or an instant: `bigint` on PostgreSQL. */
export function isWideInteger(columnName: string): boolean {
  return /^(id|at)$|_(id|at|by|until|ms)$|^(window_start|effective_from|expected_from)$/.test(columnName);
}

/**
 * Tables that belong to one laboratory: on Citus they are distributed by `lab_id` and co-located
 * (db/citus.sql lists the same tables), so each carries `lab_id` in its primary key, its unique
 * keys and its foreign keys to the others (below). Everything else is shared (reference tables) or
 * stays on the coordinator.
 */
export const LAB_OWNED_TABLES = [
  'control_lots', 'qc_targets', 'qc_rule_configs', 'qc_rule_set_versions',
  'iqc_runs', 'iqc_results', 'iqc_violations', 'corrective_actions',
  'iqc_daily_series', 'iqc_daily_lots', 'iqc_daily_pairs',
  'eqa_enrollments', 'eqa_submissions', 'eqa_result_evaluations', 'eqa_analyte_scores', 'eqa_z_bins',
  'eligibility_results', 'certifications', 'certification_events',
] as const;

/**
 * Primary keys that differ: on SQLite `id` stays the rowid key; on PostgreSQL a lab-owned table's
 * key adds `lab_id` (Citus requires the distribution column in every primary and unique key). The
 * SQLite key comes first, so a lookup by id alone still uses the key's index (on every shard).
 * `iqc_results` is range-partitioned by month on `measured_at` (db/migrations-pg,
 * db/pg/partitions.ts), and PostgreSQL requires the partition column in every key of a partitioned
 * table too; queries by lab and period use iqc_results_lab_analyte_time_idx and prune partitions.
 */
export const PRIMARY_KEY_OVERRIDES: Record<string, string[]> = {
  control_lots: ['id', 'lab_id'],
  qc_targets: ['id', 'lab_id'],
  qc_rule_configs: ['id', 'lab_id'],
  qc_rule_set_versions: ['id', 'lab_id'],
  iqc_runs: ['id', 'lab_id'],
  iqc_results: ['id', 'measured_at', 'lab_id'],
  iqc_violations: ['id', 'lab_id'],
  corrective_actions: ['id', 'lab_id'],
  iqc_daily_lots: ['control_lot_id', 'day', 'lab_id'],
  eqa_submissions: ['id', 'lab_id'],
  eqa_result_evaluations: ['id', 'lab_id'],
  eqa_analyte_scores: ['id', 'lab_id'],
  eligibility_results: ['id', 'lab_id'],
  certifications: ['id', 'lab_id'],
  certification_events: ['id', 'lab_id'],
};

/**
 * Unique indexes that differ, by index name: the SQLite columns, then `lab_id` (Citus). Uniqueness
 * within a lab is what these keys mean (a lot's target versions, a run's one corrective action, a
 * result sent twice), so nothing is lost. An `ON CONFLICT` on one of them names the same columns
 * on PostgreSQL: `ON CONFLICT (run_id, lab_id)` for corrective_actions.
 * certifications_no_uq: certificate numbers are public and must stay unique across labs, which a
 * key of a table sharded by lab cannot promise; on SQLite this index still does, on PostgreSQL the
 * table `certificate_numbers` (a reference table on Citus, keyed by the number, written with every
 * certification: db/schema/recognition.ts) does, and this index holds within a lab.
 */
export const UNIQUE_INDEX_OVERRIDES: Record<string, string[]> = {
  qc_targets_uq: ['control_lot_id', 'version', 'lab_id'],
  iqc_results_dedup_uq: ['control_lot_id', 'measured_at', 'value', 'lab_id'],
  // a correction keeps its version's time and lab, so these add nothing to "corrected once"
  iqc_results_supersedes_uq: ['supersedes_id', 'measured_at', 'lab_id'],
  corrective_actions_run_uq: ['run_id', 'lab_id'],
  certifications_no_uq: ['certificate_no', 'lab_id'],
};

/**
 * Foreign keys between lab-owned tables, as `table.column`: on PostgreSQL each becomes the composite
 * `(lab_id, column) → target(lab_id, <target column>)`, named `<table>_<column>_fk` (Citus requires
 * the distribution column in foreign keys between distributed tables; it also makes a row's parent
 * belong to the same lab). On SQLite they stay single-column.
 */
export const LAB_FOREIGN_KEYS = [
  'qc_targets.control_lot_id',
  // (a result's target, of its own lab, is checked by the IQC writer: FOREIGN_KEYS_CHECKED_BY_WRITER)
  'certification_events.certification_id',
] as const;

/** The PostgreSQL name of a composite foreign key of {@link LAB_FOREIGN_KEYS}. */
export function labForeignKeyName(table: string, column: string): string {
  return `${table}_${column}_fk`;
}

/**
 * Foreign keys of the SQLite schema that PostgreSQL does not declare, because the one writer of the
 * rows checks their parents once for the whole set instead (SQLite writes these rows with its
 * foreign-key checks off already, and keeps the keys declared).
 *
 * The IQC ingest's rows (and a re-judged series' after a correction or an exclusion): a result's run
 * and control lot, a violation's run, a corrective action's run. Their parents are written by the
 * same transaction (the runs and lots it forms, with ids taken ahead) or read by it under the lab's
 * IQC writer lock (lockLabIqcWriters, db/pg/iqc-lock.ts), and only IQC writers holding that lock
 * delete runs; control lots are never deleted. PgIqcStatements (db/pg/iqc-ingest.ts) checks the runs
 * and lots its rows name with one anti-join each per flush, and deletes a merged-away run only when
 * no result, violation or corrective action references it; a correction's new version
 * (db/pg/iqc-results.ts) names the run and lot of the version it supersedes, read under the same
 * lock. test/integration/iqc-parents.test.ts checks every writer leaves no orphan.
 * Declared, PostgreSQL checked each result row by row (`SELECT … FOR KEY SHARE` of the run and of
 * the lot): for a lab-year of 14,400 results the same INSERT took 1.35 s with the four keys and
 * 0.81 s with the two kept ones (its target and its author, whose parents the ingest never writes);
 * while iqc_runs was small those checks also needed custom plans for the whole transaction (2.8 s,
 * db/pg/bulk-writer.ts customPlansWhileSmall), which no key to iqc_runs now asks for. An import of
 * four lab-years (57,600 results) spent 12.3 s in the results' INSERTs and 4.5 s in the runs'
 * with the keys, 3.7 s and 2.4 s without (the same machine, minutes apart).
 *
 * The same writer's other parents, which it never writes: a run's laboratory, item and author, a
 * result's target and author. It checks them set-wise too, in the same statement per flush
 * (db/pg/iqc-parents.ts), and locks them FOR KEY SHARE as a declared key's row check would, so a
 * delete waits for the ingest's commit; a correction's new version is checked the same way. Those
 * parents are never deleted by the application, and their tables refuse, by trigger (PostgreSQL
 * migration 0011, `labqc_refuse_iqc_parent_change`), to delete or re-key a row IQC rows still name:
 * a declared key's check on the parent's side. Declared, these five took 40–45 % of the results'
 * COPY (85,000 → 150,000 rows/s without) and a third of an import's run and result writes.
 *
 * The rows of an EQA evaluation (graded results and scores): their writer, in the evaluation's
 * write transaction (lib/services/eqa/evaluation-rows.ts), locks the evaluation's row FOR KEY SHARE
 * once (lockEvaluationRow) and, once they are written, checks with one statement that every graded
 * row's submission is one of the round's, with the row's lab, and that every assigned value it
 * names is one of the evaluation's (checkGradedParents, both in db/queries/eqa-evaluation.ts: the
 * evaluation's rows joined by hash to the round's submissions and its assigned values); the assigned
 * values are its own, inserted just before in the same transaction, and submissions are never
 * deleted nor re-keyed. Declared, PostgreSQL checked three keys per graded row: in EXPLAIN ANALYZE of
 * the insert of 400,000 graded results they took 11.3 s of 19.5 s (3.4, 3.6 and 4.4 s). At 2,000,000
 * results the write of the graded rows went from 143 s (with the checks) to 15–26 s. The set-wise
 * check took 4.4 s of database time when it sent every submission's id and lab as two array
 * literals before the write (plus about a second to build them), and takes 2.5 s as a join of the
 * written rows (2026-12-01).
 */
export const FOREIGN_KEYS_CHECKED_BY_WRITER = [
  'iqc_results.run_id',
  'iqc_results.control_lot_id',
  'iqc_results.target_id',
  'iqc_results.created_by',
  'iqc_runs.lab_id',
  'iqc_runs.analyte_id',
  'iqc_runs.created_by',
  'iqc_violations.run_id',
  'corrective_actions.run_id',
  'eqa_result_evaluations.evaluation_id',
  'eqa_result_evaluations.assigned_value_id',
  'eqa_result_evaluations.submission_id',
  'eqa_analyte_scores.evaluation_id',
] as const;

/** Tables range-partitioned by month on PostgreSQL, and their partition column. */
export const PARTITIONED_BY_MONTH: Record<string, string> = {
  iqc_results: 'measured_at',
};

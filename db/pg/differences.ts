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
  SQLiteTextJson: ['PgJsonb'],
  SQLiteBoolean: ['PgBoolean'],
} as const;

/** An integer column that holds an id or an instant: `bigint` on PostgreSQL. */
export function isWideInteger(columnName: string): boolean {
  return /^(id|at)$|_(id|at|by|until|ms)$|^(window_start|effective_from|expected_from)$/.test(columnName);
}

/**
 * Primary keys that differ. `iqc_results` is range-partitioned by month on `measured_at`
 * (db/migrations-pg, db/pg/partitions.ts), and PostgreSQL requires the partition key in every
 * primary and unique key of a partitioned table; Citus requires the distribution column `lab_id`
 * in them too. The key is (id, measured_at, lab_id) in that order so that a lookup by id still
 * uses each partition's key index from its first column; queries by lab and period use
 * iqc_results_lab_analyte_time_idx and prune partitions by measured_at.
 */
export const PRIMARY_KEY_OVERRIDES: Record<string, string[]> = {
  iqc_results: ['id', 'measured_at', 'lab_id'],
};

/** Tables range-partitioned by month on PostgreSQL, and their partition column. */
export const PARTITIONED_BY_MONTH: Record<string, string> = {
  iqc_results: 'measured_at',
};

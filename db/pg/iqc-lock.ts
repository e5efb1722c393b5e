// The per-lab lock of PostgreSQL's IQC writers (an ingest, a correction, an exclusion and the daily
// refresh they end with), taken in the writer's transaction before it reads the lab's runs.
import { sql } from 'drizzle-orm';
import { rawRun } from '../dialect';

/** advisory lock class of the lab's IQC writers (the two-key form: the lab id is the second key) */
const LOCK_CLASS = 0x1ac0;

/**
 * Make this transaction the lab's only IQC writer until it ends (re-entrant): an ingest, a correction
 * or an exclusion takes it before it reads the lab's runs, so two writers of one lab never form runs
 * from the same stale rows (SQLite's one writer gives the same order).
 *
 * The same round trip turns JIT compilation off for the rest of the transaction (`set_config(…,
 * true)` is SET LOCAL, undone at commit; any user may set it): a writer's statements are index
 * lookups per key (a lateral subquery per series, day or row), and over the thousands of keys of an
 * import the planner's total cost passes jit_above_cost and jit_optimize_above_cost, so PostgreSQL
 * compiled and optimised ~70 functions for each daily-refresh statement: 1.2–1.6 s of JIT in a
 * statement of 1.7–2.0 s whose execution took ~0.4 s (auto_explain, a year of 20 series of one lab).
 */
export async function lockLabIqcWriters(tx: unknown, labId: number): Promise<void> {
  await rawRun(tx, sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, ${labId}::int), set_config('jit', 'off', true)`);
}

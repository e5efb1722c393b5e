// The audit hash chain (db/queries/audit-chain.ts) with several writers at once on PostgreSQL (the
// connections of a pool, several app instances). SQLite has one writer at a time, so each row seals
// onto the one before it; on PostgreSQL two transactions would each seal onto the last row they can
// see and fork the chain. So an append first takes a transaction-level advisory lock: appends take
// turns until commit, rows get their ids in that order, and the row before one's own is committed
// (or rolled back) when the lock is granted. A read-committed transaction then sees it. A repeatable-
// read one (evaluation, decisions, eligibility) may have taken its snapshot before that commit: ids
// missing between the last row it sees and its own are probed, and a row committed after its snapshot
// raises a serialization failure (40001), which withTx answers by running the transaction again with
// a fresh snapshot; an id left by a rolled-back append is a gap, as on SQLite.
import { sql } from 'drizzle-orm';
import { rawGet, rawRun } from '@/db/dialect';

/** The advisory lock key of audit appends. */
const AUDIT_CHAIN_LOCK = 7_243_001;

/** Wait for this transaction's turn to append audit rows (held until it ends). */
export async function lockAuditChain(tx: unknown): Promise<void> {
  await rawRun(tx, sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
}

/** Before sealing row `id` onto row `prevId`, the last this transaction sees: refuse (40001) when a
 * row between them was committed after this transaction's snapshot. */
export async function assertNoHiddenAuditRows(tx: unknown, prevId: number, id: number): Promise<void> {
  if (id - prevId <= 1) return;
  const isolation = await rawGet<{ level: string }>(tx, sql`SELECT current_setting('transaction_isolation') AS level`);
  if (isolation?.level === 'read committed') return;
  await rawRun(tx, sql`SAVEPOINT labqc_audit_probe`);
  try {
    // never kept: a conflict with a row this snapshot cannot see is a serialization failure
    await rawRun(tx, sql`INSERT INTO audit_log (id, at, action) SELECT g, 0, 'probe' FROM generate_series(${prevId + 1}::bigint, ${id - 1}::bigint) AS g ON CONFLICT (id) DO NOTHING`);
  } finally {
    await rawRun(tx, sql`ROLLBACK TO SAVEPOINT labqc_audit_probe`);
    await rawRun(tx, sql`RELEASE SAVEPOINT labqc_audit_probe`);
  }
}

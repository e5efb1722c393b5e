// Appends in commit order on PostgreSQL, with several writers at once (the connections of a pool,
// several app instances). SQLite has one writer at a time, so ids follow commit order; PostgreSQL
// hands out ids at insert and commits in any order, which breaks two things that rely on the order:
// - the audit hash chain (db/queries/audit-chain.ts): two transactions would each seal onto the last
//   row they can see and fork the chain;
// - the change stamps of certifications, their events and recognition policies (db/queries/public.ts,
//   the highest ids): an instance's verify index (lib/services/recognition/pair-index.ts) refreshes
//   the pairs changed since its stamp, and its policy cache reloads when the stamp moves; neither
//   would see a row whose lower id committed after a higher one already counted — a decision or a
//   policy version taken through another instance.
// So these appends first take one transaction-level advisory lock: they take turns until commit,
// rows get their ids in that order, and the row before one's own is committed (or rolled back) when
// the lock is granted. A read-committed transaction then sees it. For the audit chain, a repeatable-
// read transaction (evaluation, decisions, eligibility) may have taken its snapshot before that
// commit: ids missing between the last row it sees and its own are probed, and a row committed after
// its snapshot raises a serialization failure (40001), which withTx answers by running the
// transaction again with a fresh snapshot; an id left by a rolled-back append is a gap, as on SQLite.
import { sql } from 'drizzle-orm';
import { rawGet, rawRun } from '@/db/dialect';

/** The advisory lock key of ordered appends. */
const APPEND_ORDER_LOCK = 7_243_001;

/** Wait for this transaction's turn to append audit rows, certifications, certification events or
 * policy versions (held until it ends; call with the transaction's handle, before the insert). */
export async function lockAppendOrder(tx: unknown): Promise<void> {
  await rawRun(tx, sql`SELECT pg_advisory_xact_lock(${APPEND_ORDER_LOCK})`);
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

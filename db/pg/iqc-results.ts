// The writes of an IQC correction and exclusion on PostgreSQL (lib/services/iqc/results.ts). SQLite
// runs them through the ingest's synchronous statements (retireResult, the bulk writer, setExcluded);
// here they run at once in the caller's transaction, before the series is re-judged from the stored
// rows (lib/services/iqc/write-pg.ts reads them back).
import { sql } from 'drizzle-orm';
import { rawRun } from '../dialect';
import { bulkInsertRows } from '../bulk';
import { iqcResults } from '../schema';
import { lockLabIqcWriters } from './iqc-lock';
import { checkIqcParents, noIqcParentIds, noteIqcParents } from './iqc-parents';

type NewResult = typeof iqcResults.$inferInsert & { labId: number };

/**
 * Before a correction or an exclusion reads the result it changes (read committed: each statement
 * sees what was committed before it): the lab's IQC writers take turns (an ingest, a correction, an
 * exclusion of the lab wait here for the one before to commit, the lock the ingest and the daily
 * refresh take, re-entrant), and the result's row is locked against any other writer until the
 * commit. Taken first, before any write, so every IQC writer of a lab takes its locks in one order.
 */
export async function pgLockResult(tx: unknown, labId: number, id: number): Promise<void> {
  await lockLabIqcWriters(tx, labId);
  await rawRun(tx, sql`SELECT 1 FROM iqc_results WHERE id = ${id} AND lab_id = ${labId} FOR UPDATE`);
}

/**
 * A correction: the current version of a result is retired (kept, `current` false) and the new
 * version inserted; a version the lab had excluded stays excluded with its reason. Returns the new
 * version's id.
 */
export async function pgReplaceResult(tx: unknown, oldId: number, next: NewResult, excludedReason?: string | null): Promise<number> {
  await rawRun(tx, sql`UPDATE iqc_results SET current = false WHERE id = ${oldId} AND lab_id = ${next.labId}`);
  const row = excludedReason === undefined ? next : { ...next, excluded: true, excludedReason };
  const [id] = await bulkInsertRows(tx as Parameters<typeof bulkInsertRows>[0], iqcResults, [row]);
  // its run and lot are the superseded version's; its target and author are checked as the ingest's are
  const parents = noIqcParentIds();
  noteIqcParents(parents, 'iqc_results', row);
  await checkIqcParents(tx, next.labId, parents);
  return id;
}

/** Exclude a result from the rules and statistics (with its reason), or include it again. */
export async function pgSetExcluded(tx: unknown, labId: number, id: number, excluded: boolean, reason: string | null): Promise<void> {
  await rawRun(tx, sql`UPDATE iqc_results SET excluded = ${excluded}, excluded_reason = ${reason} WHERE id = ${id} AND lab_id = ${labId}`);
}

// A lab's IQC settings stored on its laboratories row: the run window (minutes) within which results
// of one analyte × instrument form one run (lib/services/iqc/runs.ts).
import { and, eq, isNull } from 'drizzle-orm';
import type { Conn } from '../client';
import { iqcRuns, laboratories } from '../schema';
import { dialectOf, first } from '@/db/dialect';
import { lockLabIqcWriters } from '../pg/iqc-lock';

/**
 * Make this transaction the lab's only IQC writer until it ends, before it reads what it checks: a
 * target, an expectation or a rule set must take effect after the lab's last stored result, and an
 * import running at the same time on PostgreSQL (read committed) would otherwise commit results
 * judged with the version in force before it. SQLite's write transaction holds the database already.
 */
export async function holdLabIqcWriters(db: Conn, labId: number): Promise<void> {
  if (dialectOf(db) === 'pg') await lockLabIqcWriters(db, labId);
}

/** The lab's run window in minutes, or undefined for an unknown lab. */
export async function labRunWindowMinutes(db: Conn, labId: number): Promise<number | undefined> {
  return first(await db.select({ minutes: laboratories.runWindowMinutes }).from(laboratories).where(eq(laboratories.id, labId)).limit(1))?.minutes;
}

/**
 * Change the lab's run window from `before` to `minutes`. The lab's window runs formed under the old
 * window (window_minutes NULL: formed under the window in force) are stamped with it first, so that
 * a late result keeps them as they are (lib/services/iqc/runs.ts). On PostgreSQL under the lab's IQC
 * writer lock, which an ingest takes before it reads the window: no ingest forms runs with the old
 * window after the stamp.
 */
export async function updateLabRunWindow(db: Conn, labId: number, before: number, minutes: number, now: number): Promise<void> {
  await holdLabIqcWriters(db, labId);
  await db
    .update(iqcRuns)
    .set({ windowMinutes: before })
    .where(and(eq(iqcRuns.labId, labId), isNull(iqcRuns.clientRunId), isNull(iqcRuns.windowMinutes)));
  await db.update(laboratories).set({ runWindowMinutes: minutes, updatedAt: now }).where(eq(laboratories.id, labId));
}

// The completion record of a queued job on PostgreSQL (job_runs, db/schema/ops.ts), written in the
// transaction of the job's work: a job whose row exists has had its effect, whatever the queue says.
// Claiming first (INSERT … ON CONFLICT DO NOTHING) also serialises two runs of one job: the second
// waits on the first's uncommitted row, then finds it committed (skip) or rolled back (run).
import { eq, lt } from 'drizzle-orm';
import type { PgDB } from '@/db/pg/client';
import { jobRuns } from '@/db/pg/schema';
import type { JobReply } from '@/lib/jobs';

export type PgTx = Parameters<Parameters<PgDB['transaction']>[0]>[0];

/** Claim `jobId` for this run: true to do the work, false when an earlier run committed it. */
export async function claimJobRun(tx: PgTx, run: { jobId: string; name: string; instance: string; at: number }): Promise<boolean> {
  const rows = await tx
    .insert(jobRuns)
    .values({ jobId: run.jobId, name: run.name, instance: run.instance, startedAt: run.at })
    .onConflictDoNothing({ target: jobRuns.jobId })
    .returning({ jobId: jobRuns.jobId });
  return rows.length === 1;
}

/** Record the reply of the claimed run (same transaction as its work). */
export async function finishJobRun(tx: PgTx, jobId: string, output: JobReply, at: number): Promise<void> {
  await tx.update(jobRuns).set({ finishedAt: at, output }).where(eq(jobRuns.jobId, jobId));
}

/** The reply an earlier run recorded. */
export async function recordedReply(tx: PgTx, jobId: string): Promise<JobReply | undefined> {
  const [row] = await tx.select({ output: jobRuns.output }).from(jobRuns).where(eq(jobRuns.jobId, jobId));
  return (row?.output ?? undefined) as JobReply | undefined;
}

/** Forget runs finished before `before` (pg-boss itself drops a job 7 days after it ends, so none of
 * these can run again); returns how many. */
export async function pruneJobRuns(db: PgDB, before: number): Promise<number> {
  const rows = await db.delete(jobRuns).where(lt(jobRuns.finishedAt, before)).returning({ jobId: jobRuns.jobId });
  return rows.length;
}

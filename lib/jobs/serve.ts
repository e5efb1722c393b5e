// The app's jobs on the job queue in the database (issue 14, several app instances). The production
// server calls serveJobs() once at start: on PostgreSQL it opens the queue (lib/jobs/queue.ts, pg-boss),
// works the queued jobs of lib/jobs.ts (isQueued: large evaluations, publications, eligibility runs) and
// installs the queue for runJob/startJob, so a long run started through any instance is done once by
// whichever instance takes it, and is taken over by another if that one dies. On SQLite it does
// nothing: one process, the in-process runner and the worker pool as before.
//
// A queued job runs on this instance's own handles, not in the queue's transaction: the services open
// their own transactions (an evaluation writes its progress outside its result transaction so every
// instance's page sees it; an eligibility run commits per batch of labs). The queue's transaction
// holds the job's job_runs claim meanwhile (lib/jobs/runs.ts), so two runs of one job never overlap,
// and records the reply. Once: an instance that dies mid-job leaves its work uncommitted (each
// service's writes are one transaction: the evaluation's results, the publication) and the retry does
// it; one that dies between the work's commit and the claim's finds its retry refused by the work
// itself (the evaluation is no longer running, the round is already published) and that refusal is
// the recorded reply; an eligibility run is recomputed, with the same verdicts.
import { ZodError } from 'zod';
import { getDb } from '@/db/client';
import { AppError } from '@/lib/errors';
import type { Actor } from '@/lib/auth/core';
import { deserializeError, executeJob, installedJobRunner, installJobQueue, JOBS, laneOf, type JobName } from '@/lib/jobs';
import { abandonEvaluation } from '@/lib/services/eqa/evaluation';
import { isPostgresUrl } from '@/db/pg/url';
import { openJobQueue, type Env, type JobHandler, type JobInfo } from './queue';
import type { PgBossJobQueue } from './pg-boss';
import type { PgTx } from './runs';

/** The queues this instance works: the long runs (lib/jobs.ts isQueued says which calls are sent). */
export const QUEUED_JOBS = (Object.keys(JOBS) as JobName[]).filter((name) => laneOf(name) === 'long');

/** When a queued job ends without an answer (refused, or failed on its last attempt): what the
 * sender's onError did in process. A reserved evaluation is marked failed, as on SQLite. */
const GIVE_UP: Partial<Record<JobName, (input: never, message: string) => Promise<void>>> = {
  'eqa.evaluate': async (input: { evaluationId?: number }, message) => {
    if (input.evaluationId !== undefined) await abandonEvaluation(getDb(), input.evaluationId, message);
  },
};

/** Run one queued job in this instance: the worker pool's long lane when installed, else this thread. */
async function runHere(name: JobName, actor: Actor, input: unknown, job: JobInfo, retryLimit: number): Promise<unknown> {
  console.log(`[labqc] job ${name} ${job.id} started on ${job.instance} (attempt ${job.attempt + 1})`);
  try {
    const pool = installedJobRunner();
    if (!pool) return await executeJob(getDb(), name, actor, input as never);
    const reply = await pool.run(name, actor, input);
    if (!reply.ok) throw deserializeError(reply.error);
    return reply.value;
  } catch (e) {
    if (e instanceof AppError || e instanceof ZodError || job.attempt >= retryLimit) await GIVE_UP[name]?.(input as never, (e as Error)?.message ?? String(e)).catch((err: unknown) => console.error(`[labqc] giving up job ${name} ${job.id} failed:`, err));
    throw e;
  }
}

/** On PostgreSQL: open the queue, work the queued jobs, install it for runJob/startJob; returns its
 * stop. On SQLite: null (nothing changes). */
export async function serveJobs(env: Env = process.env): Promise<(() => Promise<void>) | null> {
  if (!isPostgresUrl(env.DATABASE_URL)) return null;
  const queue = (await openJobQueue(env)) as PgBossJobQueue;
  const handlers: Record<string, JobHandler<PgTx>> = {};
  for (const name of QUEUED_JOBS) handlers[name] = (_tx, actor, input, job) => runHere(name, actor, input, job, queue.settings.retryLimit);
  // one at a time, as the worker pool's one long-lane worker runs them: another instance takes the rest
  await queue.work(handlers, { together: 1 });
  installJobQueue({
    run: async (name, actor, input) => await queue.reply(name, await queue.send(name, actor, input)),
    start: async (name, actor, input) => void (await queue.send(name, actor, input)),
  });
  console.log(`[labqc] job queue on PostgreSQL: ${QUEUED_JOBS.join(', ')} (instance ${queue.settings.instance})`);
  return async () => {
    installJobQueue(null);
    await queue.stop();
  };
}

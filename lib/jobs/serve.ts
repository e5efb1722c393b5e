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
//
// Given up: a job with a GIVE_UP is sent with a dead letter queue (`<name>.given-up`). When pg-boss
// gives the job up — its last attempt failed here, or expired because its instance died on every
// attempt — it puts a copy in that queue in the same statement, and whichever instance is alive runs
// the GIVE_UP at its next poll, once (its own job_runs claim; the give-up itself only changes a
// running evaluation). Stop (SIGTERM, lib/server/main.ts): the returned function stops fetching, lets
// the running job finish within the grace, else aborts it and hands it back (lib/jobs/pg-boss.ts stop).
import { ZodError } from 'zod';
import { getDb } from '@/db/client';
import { AppError } from '@/lib/errors';
import type { Actor } from '@/lib/auth/core';
import { deserializeError, executeJob, installedJobRunner, installJobQueue, JOBS, laneOf, type JobName } from '@/lib/jobs';
import { abandonEvaluation } from '@/lib/services/eqa/evaluation';
import { isPostgresUrl } from '@/db/pg/url';
import { openJobQueue, type Env, type JobHandler, type JobInfo } from './queue';
import type { PgBossJobQueue, StopOptions } from './pg-boss';
import type { PgTx } from './runs';

/** The queues this instance works: the long runs (lib/jobs.ts isQueued says which calls are sent). */
export const QUEUED_JOBS = (Object.keys(JOBS) as JobName[]).filter((name) => laneOf(name) === 'long');

/** When a queued job ends without an answer (refused here, or given up by the queue: its dead
 * letter): what the sender's onError did in process. A reserved evaluation is marked failed, as on SQLite. */
const GIVE_UP: Partial<Record<JobName, (input: never, message: string) => Promise<void>>> = {
  'eqa.evaluate': async (input: { evaluationId?: number }, message) => {
    if (input.evaluationId !== undefined) await abandonEvaluation(getDb(), input.evaluationId, message);
  },
};

/** The dead letter queue of a job that has a GIVE_UP. */
export const givenUpQueue = (name: JobName) => `${name}.given-up`;

/** Run one queued job in this instance: the worker pool's long lane when installed, else this thread.
 * A refusal is its answer: the GIVE_UP runs here; a failure is retried, and given up by its dead letter. */
async function runHere(name: JobName, actor: Actor, input: unknown, job: JobInfo): Promise<unknown> {
  console.log(`[labqc] job ${name} ${job.id} started on ${job.instance} (attempt ${job.attempt + 1})`);
  try {
    const pool = installedJobRunner();
    if (!pool) return await executeJob(getDb(), name, actor, input as never);
    const reply = await pool.run(name, actor, input);
    if (!reply.ok) throw deserializeError(reply.error);
    return reply.value;
  } catch (e) {
    if (e instanceof AppError || e instanceof ZodError) await GIVE_UP[name]?.(input as never, (e as Error)?.message ?? String(e)).catch((err: unknown) => console.error(`[labqc] giving up job ${name} ${job.id} failed:`, err));
    throw e;
  }
}

/** The give-up of a job pg-boss gave up on, from its dead letter (its input, its last failure). */
async function giveUp(name: JobName, input: unknown, job: JobInfo): Promise<void> {
  const message = `${job.failure ?? 'failed'} (given up after its last attempt)`;
  console.log(`[labqc] job ${name} given up, handled on ${job.instance}: ${message}`);
  await GIVE_UP[name]?.(input as never, message);
}

/** On PostgreSQL: open the queue, work the queued jobs and the dead letters of those given up,
 * install it for runJob/startJob; returns its stop (see StopOptions: with `graceMs` a running job is
 * handed back once the grace is over). On SQLite: null (nothing changes). */
export async function serveJobs(env: Env = process.env): Promise<((opts?: StopOptions) => Promise<void>) | null> {
  if (!isPostgresUrl(env.DATABASE_URL)) return null;
  const queue = (await openJobQueue(env)) as PgBossJobQueue;
  const withGiveUp = QUEUED_JOBS.filter((name) => GIVE_UP[name]);
  // dead letters first (each job's dead letter queue exists before a job names it), in their own loops:
  // a give-up never waits for a long run
  const deadLetters: Record<string, JobHandler<PgTx>> = {};
  for (const name of withGiveUp) deadLetters[givenUpQueue(name)] = (_tx, _actor, input, job) => giveUp(name, input, job);
  await queue.work(deadLetters);
  const handlers: Record<string, JobHandler<PgTx>> = {};
  for (const name of QUEUED_JOBS) handlers[name] = (_tx, actor, input, job) => runHere(name, actor, input, job);
  // one at a time, as the worker pool's one long-lane worker runs them: another instance takes the rest
  await queue.work(handlers, { together: 1 });
  const send = (name: JobName, actor: Actor, input: unknown) => queue.send(name, actor, input, GIVE_UP[name] ? { deadLetter: givenUpQueue(name) } : {});
  installJobQueue({
    run: async (name, actor, input) => await queue.reply(name, await send(name, actor, input)),
    start: async (name, actor, input) => void (await send(name, actor, input)),
  });
  console.log(`[labqc] job queue on PostgreSQL: ${QUEUED_JOBS.join(', ')} (instance ${queue.settings.instance})`);
  return async (opts?: StopOptions) => {
    installJobQueue(null);
    await queue.stop(opts);
  };
}

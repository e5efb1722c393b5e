// The job queue of issue 14 ("several app instances"): background work sent by one app instance and
// done by whichever instance works that job's queue. Chosen here, in one place, by DATABASE_URL:
// postgres://… → pg-boss in that database (./pg-boss.ts: jobs survive a dead instance and their
// effect happens once); otherwise SQLite's single process keeps today's runner (lib/jobs.ts runJob,
// its worker threads in the production server) behind the same interface (./in-process.ts).
import type { Actor } from '@/lib/auth/core';
import { isPostgresUrl } from '@/db/pg/url';

/** Environment variables (process.env, or a test's own). */
export type Env = Record<string, string | undefined>;

/** The job a handler runs, as the queue knows it. */
export interface JobInfo {
  id: string;
  name: string;
  /** 0 for the first run, then one more per retry (a failure, or an instance that died mid-job) */
  attempt: number;
  /** the app instance running it (LABQC_INSTANCE, else host:pid) */
  instance: string;
  /** a dead letter (SendOptions.deadLetter): the last failure of the job given up */
  failure?: string;
}

/** A job's work on the connection the queue gives it: on PostgreSQL the transaction that also
 * records the job's completion, so its effect commits once. */
export type JobHandler<Conn> = (conn: Conn, actor: Actor, input: never, job: JobInfo) => unknown;
export type JobHandlers<Conn> = Record<string, JobHandler<Conn>>;

/** All but onError are the PostgreSQL queue's; the in-process runner starts a job at once and runs it once. */
export interface SendOptions {
  /** start no sooner than this many seconds from now */
  startAfterSeconds?: number;
  /** runs after the first that a failing job gets (default: the queue's, LABQC_JOB_RETRY_LIMIT) */
  retryLimit?: number;
  /** PostgreSQL: the queue that gets a copy of the job when it is given up (its retries spent, its
   * last attempt failed or expired), for any instance to handle */
  deadLetter?: string;
  /** the in-process runner only: a failure's message (the PostgreSQL queue keeps it with the job) */
  onError?: (message: string) => void;
}

export interface JobQueue<Conn = unknown> {
  readonly backend: 'sqlite' | 'postgres';
  /** Queue a job; resolves with its id once it is stored (PostgreSQL) or scheduled (in process). */
  send(name: string, actor: Actor, input: unknown, opts?: SendOptions): Promise<string>;
  /** Work these jobs' queues in this instance until stop(). */
  work(handlers: JobHandlers<Conn>): Promise<void>;
  /** Stop taking jobs; resolves once the running ones have ended (PostgreSQL: or are handed back
   * after `graceMs`, lib/jobs/pg-boss.ts). */
  stop(opts?: { graceMs?: number; abort?: () => Promise<void> }): Promise<void>;
}

/** The queue of this deployment: pg-boss on DATABASE_URL=postgres://…, else the in-process runner.
 * Each backend's module is loaded only when chosen (SQLite loads nothing of pg-boss). */
export async function openJobQueue(env: Env = process.env) {
  if (isPostgresUrl(env.DATABASE_URL)) {
    const { openPgBossQueue, queueSettingsFromEnv } = await import('./pg-boss');
    return openPgBossQueue(env.DATABASE_URL, queueSettingsFromEnv(env));
  }
  const { InProcessJobQueue } = await import('./in-process');
  return new InProcessJobQueue();
}

/** This app instance's name in job records and logs. */
export function instanceName(env: Env = process.env): string {
  return env.LABQC_INSTANCE || `${process.env.HOSTNAME || 'host'}:${process.pid}`;
}

/** The PostgreSQL application_name of this instance's job workers' connections (lib/server/worker.ts):
 * a stop that aborts their jobs ends their backends too (lib/jobs/pg-boss.ts stop), so a statement
 * under way does not run on, holding its locks, after its thread is gone. */
export function workerApplicationName(env: Env = process.env): string {
  return `labqc-worker:${instanceName(env)}`.slice(0, 63);
}

// The job queue on PostgreSQL (lib/jobs/queue.ts): pg-boss 10 (the last line for Node 20) keeps the
// jobs in the app's database (schema `pgboss`, created on start), so a job sent through one app
// instance is done by any instance that works its queue. Each instance fetches one job at a time
// per queue and runs it in one transaction that also writes its job_runs row (./runs.ts), so its
// effect commits once even when it runs again after a crash between that commit and pg-boss's
// completion. While it runs, a heartbeat moves the job's start forward: only a job whose instance
// died (no heartbeat for `expireInSeconds`) expires, and pg-boss's maintenance (one instance at a
// time, every `maintenanceIntervalSeconds`) puts it back for another instance to pick up. An instance
// that stops (SIGTERM) hands its running job back at once after a grace (stop({ graceMs })): its work
// is aborted (its transaction rolls back), and the job is put back without counting as an attempt. A
// job sent with a dead letter queue (SendOptions.deadLetter) that pg-boss gives up on (its last
// attempt failed, or expired with its dead instance) leaves a job in that queue, in the same
// statement: whichever instance works it runs the give-up (lib/jobs/serve.ts GIVE_UP) once.
import PgBoss from 'pg-boss';
import { ZodError } from 'zod';
import { openPostgres, type PgDB } from '@/db/pg/client';
import { AppError } from '@/lib/errors';
import { serializeError, type JobReply, type SerializedError } from '@/lib/jobs';
import type { Actor } from '@/lib/auth/core';
import { instanceName, workerApplicationName, type Env, type JobHandler, type JobHandlers, type JobInfo, type JobQueue, type SendOptions } from './queue';
import { claimJobRun, finishJobRun, pruneJobRuns, recordedReply, type PgTx } from './runs';

export interface PgQueueSettings {
  /** this instance's name in job_runs */
  instance: string;
  /** a job whose instance sent no heartbeat for this long is retried elsewhere (whole seconds, ≥ 1) */
  expireInSeconds: number;
  /** how often a running job's heartbeat is written (seconds; below expireInSeconds) */
  heartbeatSeconds: number;
  /** how often (at most, across instances) expired jobs are put back (whole seconds, ≥ 1) */
  maintenanceIntervalSeconds: number;
  /** how often an idle worker looks for a job (seconds, ≥ 0.5) */
  pollingIntervalSeconds: number;
  /** runs after the first that a failing job gets; a refusal (AppError) is an answer, not retried */
  retryLimit: number;
  retryDelaySeconds: number;
  /** pg-boss's schema */
  schema: string;
}

const num = (v: string | undefined, fallback: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback);

/** LABQC_JOB_EXPIRE_SECONDS (30), LABQC_JOB_HEARTBEAT_SECONDS (a third of it), LABQC_JOB_MAINTENANCE_SECONDS
 * (10), LABQC_JOB_POLL_SECONDS (2), LABQC_JOB_RETRY_LIMIT (3), LABQC_JOB_RETRY_DELAY_SECONDS (5), LABQC_INSTANCE. */
export function queueSettingsFromEnv(env: Env = process.env): PgQueueSettings {
  const expireInSeconds = Math.max(1, Math.round(num(env.LABQC_JOB_EXPIRE_SECONDS, 30)));
  return {
    instance: instanceName(env),
    expireInSeconds,
    heartbeatSeconds: Math.max(0.1, Math.min(num(env.LABQC_JOB_HEARTBEAT_SECONDS, expireInSeconds / 3), expireInSeconds / 2)),
    maintenanceIntervalSeconds: Math.max(1, Math.round(num(env.LABQC_JOB_MAINTENANCE_SECONDS, 10))),
    pollingIntervalSeconds: Math.max(0.5, num(env.LABQC_JOB_POLL_SECONDS, 2)),
    retryLimit: Math.max(0, Math.round(num(env.LABQC_JOB_RETRY_LIMIT, 3))),
    retryDelaySeconds: Math.max(0, Math.round(num(env.LABQC_JOB_RETRY_DELAY_SECONDS, 5))),
    schema: 'pgboss',
  };
}

/** Open the queue on `url` (its own small pools: pg-boss's and the jobs' transactions) and start it. */
export async function openPgBossQueue(url: string, settings: PgQueueSettings): Promise<PgBossJobQueue> {
  const db = openPostgres(url, { max: 4 });
  // an idle connection the server closed (restart, failover) is replaced, not a crash
  db.$client.on('error', (e) => console.error('[labqc] job queue connection:', e.message));
  const queue = new PgBossJobQueue(url, db, settings, { ownsDb: true });
  await queue.start();
  return queue;
}

/** How long job_runs keeps a finished run: longer than pg-boss keeps the job (7 days after it ends). */
const JOB_RUNS_KEPT_MS = 8 * 86_400_000;

/** A refusal is the job's answer (the caller reads it), not a failure to retry. */
const isRefusal = (e: unknown) => e instanceof AppError || e instanceof ZodError;

/** A failed job's output as an error: what run() recorded (serializeError), or pg-boss's own (an expiry). */
export function failureOf(output: unknown, fallback: string): SerializedError {
  const o = output as Partial<SerializedError> | null;
  if (o && (o.kind === 'app' || o.kind === 'zod' || o.kind === 'error')) return o as SerializedError;
  const message = (output as { message?: unknown; value?: { message?: unknown } } | null)?.message ?? (output as { value?: { message?: unknown } } | null)?.value?.message;
  return { kind: 'error', name: 'Error', message: typeof message === 'string' ? message : fallback };
}

/** Slots shared by the loops of one work() call; close() lets every waiting loop go (stop). */
class Slots {
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  constructor(private free: number) {}

  async take(): Promise<void> {
    if (this.closed) return;
    if (this.free > 0) return void this.free--;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w();
  }
}

interface Payload {
  actor: Actor;
  input: unknown;
}

/** A job running in this instance; `released` once stop() hands it back instead of failing it. */
interface Running {
  job: JobInfo;
  released: boolean;
  handedBack: boolean;
}

export interface StopOptions {
  /** how long a running job may still take before it is handed back (default: wait for it) */
  graceMs?: number;
  /** aborts the running jobs' work when the grace is over (the server closes its worker pool: the
   * worker's connections close and their transactions roll back) */
  abort?: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class PgBossJobQueue implements JobQueue<PgTx> {
  readonly backend = 'postgres' as const;
  readonly boss: PgBoss;
  private readonly queues = new Set<string>();
  private readonly loops: Promise<void>[] = [];
  private readonly slots = new Set<Slots>();
  /** the pauses of idle loops, by queue name (a job sent here wakes this instance's loop of its queue) */
  private readonly wake = new Map<string, Set<() => void>>();
  private readonly running = new Set<Running>();
  private readonly replies = new Set<Promise<JobReply>>();
  private stopping = false;
  private prunedAt = 0;

  constructor(
    url: string,
    private readonly db: PgDB,
    readonly settings: PgQueueSettings,
    private readonly own: { ownsDb: boolean } = { ownsDb: false },
  ) {
    this.boss = new PgBoss({
      connectionString: url,
      max: 2,
      schema: settings.schema,
      application_name: `labqc-jobs ${settings.instance}`,
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
      expireInSeconds: settings.expireInSeconds,
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
    });
    this.boss.on('error', (e) => console.error('[labqc] job queue:', e?.message ?? e));
    // the instance whose turn it was to maintain pg-boss's tables also prunes job_runs, hourly at most
    this.boss.on('maintenance', () => {
      if (Date.now() - this.prunedAt < 3_600_000) return;
      this.prunedAt = Date.now();
      pruneJobRuns(db, this.prunedAt - JOB_RUNS_KEPT_MS).catch((e: unknown) => console.error('[labqc] pruning job runs failed:', (e as Error)?.message ?? e));
    });
  }

  /** Create or upgrade pg-boss's schema (advisory-locked: instances may start together) and its maintenance. */
  async start(): Promise<void> {
    await this.boss.start();
  }

  async send(name: string, actor: Actor, input: unknown, opts: SendOptions = {}): Promise<string> {
    await this.ensureQueue(name);
    if (opts.deadLetter) await this.ensureQueue(opts.deadLetter);
    const id = await this.boss.send(name, { actor, input } satisfies Payload, {
      retryLimit: opts.retryLimit ?? this.settings.retryLimit,
      retryDelay: this.settings.retryDelaySeconds,
      expireInSeconds: this.settings.expireInSeconds,
      ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
      ...(opts.deadLetter ? { deadLetter: opts.deadLetter } : {}),
    });
    if (!id) throw new Error(`the job queue did not accept ${name}`);
    // this instance works the queue: its idle loop fetches now instead of at its next poll (the job is
    // stored, so an instance that fetches first still takes it: SKIP LOCKED)
    for (const w of this.wake.get(name) ?? []) w();
    return id;
  }

  /**
   * The reply of job `id` once it has ended, from whichever instance ran it: the recorded answer or
   * refusal, or the last failure once its retries are spent. Polls the job (from 25 ms up to 500 ms
   * apart): a request waiting for a long run costs a primary-key read now and then.
   */
  reply(name: string, id: string): Promise<JobReply> {
    // a stop keeps the queue open for the replies awaited (requests in flight) until its grace is over
    const reply = this.poll(name, id);
    this.replies.add(reply);
    return reply.finally(() => this.replies.delete(reply));
  }

  private async poll(name: string, id: string): Promise<JobReply> {
    for (let wait = 25; ; wait = Math.min(500, Math.round(wait * 1.5))) {
      const job = await this.boss.getJobById<Payload>(name, id, { includeArchive: true });
      if (!job) return { ok: false, error: { kind: 'error', name: 'Error', message: `job ${name} ${id} is gone` } };
      if (job.state === 'completed') return job.output as JobReply;
      if (job.state === 'failed' || job.state === 'cancelled') return { ok: false, error: failureOf(job.output, `job ${name} ${id} ${job.state}`) };
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Work these queues, one job at a time per queue; `together`: at most that many of these queues'
   * jobs at once in this instance (the app's long runs share one worker: a job this instance could not
   * start yet stays in the queue for another instance). */
  async work(handlers: JobHandlers<PgTx>, opts: { together?: number } = {}): Promise<void> {
    if (this.stopping) throw new Error('the job queue is stopped');
    const slots = opts.together ? new Slots(opts.together) : null;
    if (slots) this.slots.add(slots);
    for (const [name, handler] of Object.entries(handlers)) {
      await this.ensureQueue(name);
      this.loops.push(this.loop(name, handler, slots));
    }
  }

  /** The job as pg-boss holds it (state, retries, output), e.g. for a page following a long run. */
  async job(name: string, id: string) {
    return this.boss.getJobById<Payload>(name, id, { includeArchive: true });
  }

  /**
   * Stop fetching at once; the running jobs end, or with `graceMs` are handed back once it is over:
   * `abort` stops their work (its transaction rolls back), each job's claim rolls back with its
   * queue transaction and the job goes back to the queue, due now and with its attempt not counted,
   * for another instance's next poll. Work that `abort` cannot stop (a job run on this thread) is
   * handed back 2 s later all the same: its connections close when this process exits, which it
   * must do next (its claim holds another instance's run back until then). Replies awaited here
   * (requests in flight waiting for a job another instance runs) keep the queue open until the grace
   * is over.
   */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.stopping = true;
    for (const set of this.wake.values()) for (const w of set) w();
    for (const slots of this.slots) slots.close();
    const loops = Promise.allSettled(this.loops).then(() => true);
    const replies = Promise.allSettled([...this.replies]);
    const graceOver = Date.now() + (opts.graceMs ?? 0);
    if (opts.graceMs === undefined || (await Promise.race([loops, sleep(opts.graceMs).then(() => false)]))) await loops;
    // the grace is over; no job running: a fetch under way (what it fetches goes straight back)
    else if (!this.running.size) await loops;
    else {
      for (const r of this.running) r.released = true;
      console.log(`[labqc] stopping: handing back ${[...this.running].map((r) => `${r.job.name} ${r.job.id}`).join(', ')}`);
      await opts.abort?.().catch((e: unknown) => console.error('[labqc] aborting the running jobs failed:', (e as Error)?.message ?? e));
      // their threads are gone; a statement still running on the server would hold its locks (and the
      // retry) until it ends: end those backends now, and their transactions roll back
      await this.boss
        .getDb()
        .executeSql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`, [workerApplicationName({ LABQC_INSTANCE: this.settings.instance })])
        .catch((e: unknown) => console.error('[labqc] ending the aborted jobs\' connections failed:', (e as Error)?.message ?? e));
      // each run rolls its claim back and hands its job back; one that does not end (work on this thread) is handed back now
      if (!(await Promise.race([loops, sleep(2_000).then(() => false)]))) for (const r of this.running) await this.handBack(r);
    }
    await Promise.race([replies, sleep(graceOver - Date.now())]);
    await this.boss.stop({ graceful: false, wait: true });
    // a claim still open (work on this thread that could not be stopped) is rolled back at exit
    if (this.own.ownsDb) await Promise.race([this.db.$client.end(), sleep(1_000)]);
  }

  /** Create `name`'s queue unless it exists. Two instances creating one queue at once can deadlock in
   * pg-boss's create_queue (PostgreSQL aborts one of them): the loser finds the queue made, or tries again. */
  private async ensureQueue(name: string): Promise<void> {
    for (let attempt = 1; !this.queues.has(name); attempt++) {
      try {
        await this.boss.createQueue(name, { name, policy: 'standard', retryLimit: this.settings.retryLimit, retryDelay: this.settings.retryDelaySeconds, expireInSeconds: this.settings.expireInSeconds });
        this.queues.add(name);
      } catch (e) {
        if (await this.boss.getQueue(name)) this.queues.add(name);
        else if (attempt >= 5) throw e;
        else await new Promise((r) => setTimeout(r, 50 * attempt * (0.5 + Math.random())));
      }
    }
  }

  /** One job at a time from `name`'s queue until stop(), fetched only with a free slot. */
  private async loop(name: string, handler: JobHandler<PgTx>, slots: Slots | null): Promise<void> {
    while (!this.stopping) {
      await slots?.take();
      if (this.stopping) break;
      const [job] = await this.boss.fetch<Payload>(name, { batchSize: 1, includeMetadata: true }).catch((e: unknown) => {
        console.error(`[labqc] fetching a ${name} job failed:`, (e as Error)?.message ?? e);
        return [];
      });
      try {
        if (job) {
          // a dead letter carries the output of the job given up (its last failure)
          const last = job.output ? failureOf(job.output, `job ${name} ${job.id} given up`) : null;
          const failure = last ? { failure: 'message' in last ? last.message : 'its input was refused' } : {};
          const info: JobInfo = { id: job.id, name, attempt: job.retryCount, instance: this.settings.instance, ...failure };
          // fetched as the stop began: straight back to the queue
          if (this.stopping) await this.handBack({ job: info, released: true, handedBack: false });
          else await this.run(handler, info, job.data);
        }
      } finally {
        slots?.give();
      }
      if (!job) await this.pause(name, this.settings.pollingIntervalSeconds * 1000);
    }
  }

  private pause(name: string, ms: number): Promise<void> {
    const set = this.wake.get(name) ?? this.wake.set(name, new Set()).get(name)!;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** Run the job in one transaction with its job_runs row, then complete it (or fail it: retried). */
  private async run(handler: JobHandler<PgTx>, job: JobInfo, data: Payload): Promise<void> {
    const heartbeat = setInterval(() => void this.beat(job), this.settings.heartbeatSeconds * 1000);
    const running: Running = { job, released: false, handedBack: false };
    this.running.add(running);
    try {
      const reply = await this.db.transaction(async (tx) => {
        if (!(await claimJobRun(tx, { jobId: job.id, name: job.name, instance: job.instance, at: Date.now() }))) {
          return (await recordedReply(tx, job.id)) ?? { ok: true as const, value: null };
        }
        let out: JobReply;
        try {
          // a savepoint: a refusal undoes the work but keeps the claim, so the refusal is recorded once
          out = { ok: true, value: await tx.transaction(async (work) => handler(work, data.actor, data.input as never, job)) };
        } catch (e) {
          if (!isRefusal(e)) throw e;
          out = { ok: false, error: serializeError(e) };
        }
        await finishJobRun(tx, job.id, out, Date.now());
        return out;
      });
      clearInterval(heartbeat);
      await this.boss.complete(job.name, job.id, reply);
    } catch (e) {
      clearInterval(heartbeat);
      if (running.released) return void (await this.handBack(running));
      console.error(`[labqc] job ${job.name} ${job.id} failed (attempt ${job.attempt + 1}):`, (e as Error)?.message ?? e);
      await this.boss.fail(job.name, job.id, serializeError(e)).catch((err: unknown) => console.error('[labqc] recording the failure failed:', (err as Error)?.message ?? err));
    } finally {
      this.running.delete(running);
    }
  }

  /** Put a running job of this instance back in its queue, due now, its attempt not counted: fetch
   * counts a retry only of a job that has a start (started_on), so the next run has the same attempt
   * number and a job handed back on its last attempt is not given up. */
  private async handBack(r: Running): Promise<void> {
    if (r.handedBack) return;
    r.handedBack = true;
    try {
      await this.boss
        .getDb()
        .executeSql(`UPDATE ${this.settings.schema}.job SET state = 'retry', started_on = NULL, start_after = now() WHERE name = $1 AND id = $2 AND state = 'active'`, [r.job.name, r.job.id]);
      console.log(`[labqc] job ${r.job.name} ${r.job.id} handed back by ${r.job.instance} (attempt ${r.job.attempt + 1} not counted)`);
    } catch (e) {
      // it expires then, as a dead instance's job
      console.error(`[labqc] handing back job ${r.job.id} failed:`, (e as Error)?.message ?? e);
    }
  }

  /** Keep a running job from expiring: pg-boss expires an active job `expire_in` after its start. */
  private async beat(job: JobInfo): Promise<void> {
    try {
      await this.boss.getDb().executeSql(`UPDATE ${this.settings.schema}.job SET started_on = now() WHERE name = $1 AND id = $2 AND state = 'active'`, [job.name, job.id]);
    } catch (e) {
      console.error(`[labqc] heartbeat of job ${job.id} failed:`, (e as Error)?.message ?? e);
    }
  }
}

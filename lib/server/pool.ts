// The production server's worker threads (node:worker_threads): imports, evaluations, eligibility
// runs and the largest reads execute here, never on the thread that answers requests. Each worker
// opens its own SQLite connection on DATABASE_PATH with the same pragmas (db/client.ts); SQLite's
// lock serialises their writes (waited for on timers: db/tx.ts) and each job is one all-or-nothing
// transaction. Jobs wait in the queue of their lane (lib/jobs.ts laneOf: imports, long runs or large
// reads) and go to the lane's first idle worker, so a national evaluation never holds up LIS
// imports, nor an import a large read; an audit row goes to the front of the import queue
// (isUrgent), so a client's answer waits for at most one import besides its own. A worker that dies
// fails its job and is replaced. On PostgreSQL (DATABASE_URL) each worker opens its own pool
// instead, and the long lane also runs the long runs this instance takes from the job queue in the
// database (lib/jobs/serve.ts).
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import type { Actor } from '@/lib/auth/core';
import { isUrgent, laneOf, transferablesOf, type JobLane, type JobName, type JobReply, type JobRunner } from '@/lib/jobs';

interface Task {
  id: number;
  name: JobName;
  actor: Actor;
  input: unknown;
  resolve: (reply: JobReply) => void;
}

/** Marks the slot of a dead worker waiting to be replaced (dispatch skips busy slots). */
const DEAD: Task = { id: -1, name: 'iqc.post', actor: null as never, input: null, resolve: () => {} };

const failure = (message: string): JobReply => ({ ok: false, error: { kind: 'error', name: 'Error', message } });

interface Slot {
  lane: JobLane;
  worker: Worker;
  task: Task | null;
  startedAt: number;
}

/** Import workers by default: LABQC_JOB_WORKERS, else one per core beyond the request thread's (at
 * least 1, at most 4: SQLite serialises writes, and on 2 cores a second import worker only makes
 * every import slower). The long-run lane and the read lane have one worker each. */
export function defaultPoolSize(): number {
  const configured = Number(process.env.LABQC_JOB_WORKERS);
  if (Number.isInteger(configured) && configured > 0) return configured;
  return Math.max(1, Math.min(4, os.availableParallelism() - 1));
}

export class JobPool implements JobRunner {
  private readonly slots: Slot[] = [];
  private readonly queues: Record<JobLane, Task[]> = { import: [], long: [], read: [] };
  private nextId = 1;
  private closed = false;
  /** workers that died soon after starting in a row (a broken build): replaced ever more slowly */
  private quickDeaths = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private closing: Promise<void> | null = null;

  /** `workerFile`: the compiled worker (lib/server/worker.ts as JavaScript); `imports`: workers of the import lane. */
  constructor(
    private readonly workerFile: URL,
    imports = defaultPoolSize(),
  ) {
    const sizes: Record<JobLane, number> = { import: imports, long: 1, read: 1 };
    for (const lane of Object.keys(sizes) as JobLane[]) for (let i = 0; i < sizes[lane]; i++) this.slots.push(this.spawn(lane));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Jobs waiting for a worker (not counting those running). */
  get waiting(): number {
    return this.queues.import.length + this.queues.long.length + this.queues.read.length;
  }

  /** Run a job; resolves with its reply (a refusal is a reply too: runJob turns it back into the error). */
  run(name: JobName, actor: Actor, input: unknown): Promise<JobReply> {
    if (this.closed) return Promise.resolve(failure('the job pool is closed'));
    return new Promise((resolve) => {
      const task = { id: this.nextId++, name, actor, input, resolve };
      if (isUrgent(name)) this.queues[laneOf(name)].unshift(task);
      else this.queues[laneOf(name)].push(task);
      this.dispatch();
    });
  }

  /** Resolves once no job runs or waits (the server's stop lets them end within its grace). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.waiting === 0 && this.slots.every((s) => !s.task || s.task === DEAD);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length && this.isIdle()) for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Stop every worker: an idle one closes its database handle and ends (within a second), a busy one
   * is terminated (its connections close: the job's open transaction rolls back); queued and running
   * jobs fail. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    this.closed = true;
    for (const queue of Object.values(this.queues)) for (const t of queue.splice(0)) t.resolve(failure('the job pool is closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        if (s.task) return void (await s.worker.terminate());
        const ended = new Promise<void>((resolve) => s.worker.once('exit', () => resolve()));
        s.worker.postMessage({ close: true });
        const timer = setTimeout(() => void s.worker.terminate(), 1_000);
        await ended;
        clearTimeout(timer);
      }),
    );
    this.checkIdle();
  }

  private spawn(lane: JobLane): Slot {
    const worker = new Worker(this.workerFile, { env: process.env });
    const slot: Slot = { lane, worker, task: null, startedAt: Date.now() };
    worker.on('message', (reply: JobReply & { id: number }) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      slot.task = null;
      worker.unref();
      task.resolve(reply.ok ? { ok: true, value: reply.value } : { ok: false, error: reply.error });
      this.dispatch();
    });
    worker.on('error', (e) => console.error('[labqc] job worker failed', e));
    worker.on('exit', (code) => {
      const task = slot.task;
      slot.task = null;
      if (task) task.resolve(failure(`the job worker stopped (exit code ${code}) while running ${task.name}`));
      this.checkIdle();
      if (this.closed) return;
      this.quickDeaths = Date.now() - slot.startedAt < 2_000 ? this.quickDeaths + 1 : 0;
      const replace = () => {
        const i = this.slots.indexOf(slot);
        if (this.closed || i < 0) return;
        this.slots[i] = this.spawn(slot.lane);
        this.dispatch();
      };
      if (!this.quickDeaths) return replace();
      // the slot stays busy-less but dead until replaced: keep it out of dispatch meanwhile
      slot.task = DEAD;
      setTimeout(replace, Math.min(30_000, 250 * 2 ** this.quickDeaths)).unref();
    });
    // an idle worker does not keep the process alive
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    this.checkIdle();
    for (const slot of this.slots) {
      const queue = this.queues[slot.lane];
      if (slot.task || !queue.length) continue;
      const task = queue.shift()!;
      slot.task = task;
      slot.worker.ref(); // a running job keeps the process alive until it answers
      try {
        // a posted body's bytes are handed over, not copied (this thread does not read them again)
        slot.worker.postMessage({ id: task.id, name: task.name, actor: task.actor, input: task.input }, transferablesOf(task.input));
      } catch (e) {
        // the input cannot be copied to the worker: a programming error, not a worker failure
        slot.task = null;
        task.resolve(failure(`the input of ${task.name} cannot be sent to a worker: ${(e as Error).message}`));
      }
    }
  }
}

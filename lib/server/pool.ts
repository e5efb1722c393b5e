// The production server's worker threads (node:worker_threads): imports, evaluations and eligibility
// runs execute here, never on the thread that answers requests. Each worker opens its own SQLite
// connection on DATABASE_PATH with the same pragmas (db/client.ts); SQLite's lock serialises their
// writes (busy_timeout) and each job is one all-or-nothing transaction. Jobs wait in one queue and
// go to the first idle worker; a worker that dies fails its job and is replaced.
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import type { Actor } from '@/lib/auth/core';
import { deserializeError, type JobName, type JobRunner, type SerializedError } from '@/lib/jobs';

interface Task {
  id: number;
  name: JobName;
  actor: Actor;
  input: unknown;
  resolve: (value: unknown) => void;
  reject: (e: Error) => void;
}

/** Marks the slot of a dead worker waiting to be replaced (dispatch skips busy slots). */
const DEAD: Task = { id: -1, name: 'iqc.post', actor: null as never, input: null, resolve: () => {}, reject: () => {} };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

interface Slot {
  worker: Worker;
  task: Task | null;
  startedAt: number;
}

/** Workers by default: LABQC_JOB_WORKERS, else 2 (one long evaluation leaves one for imports),
 * more on machines with more cores (up to 4: writes are serialised anyway). */
export function defaultPoolSize(): number {
  const configured = Number(process.env.LABQC_JOB_WORKERS);
  if (Number.isInteger(configured) && configured > 0) return configured;
  return Math.max(2, Math.min(4, os.availableParallelism() - 1));
}

export class JobPool implements JobRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** workers that died soon after starting in a row (a broken build): replaced ever more slowly */
  private quickDeaths = 0;

  /** `workerFile`: the compiled worker (lib/server/worker.ts as JavaScript). */
  constructor(
    private readonly workerFile: URL,
    size = defaultPoolSize(),
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  /** Jobs waiting for a worker (not counting those running). */
  get waiting(): number {
    return this.queue.length;
  }

  run(name: JobName, actor: Actor, input: unknown): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the job pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, name, actor, input, resolve, reject });
      this.dispatch();
    });
  }

  /** Stop every worker; queued and running jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the job pool is closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerFile, { env: process.env });
    const slot: Slot = { worker, task: null, startedAt: Date.now() };
    worker.on('message', (reply: Reply) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      slot.task = null;
      worker.unref();
      if (reply.ok) task.resolve(reply.value);
      else task.reject(deserializeError(reply.error));
      this.dispatch();
    });
    worker.on('error', (e) => console.error('[labqc] job worker failed', e));
    worker.on('exit', (code) => {
      const task = slot.task;
      slot.task = null;
      if (task) task.reject(new Error(`the job worker stopped (exit code ${code}) while running ${task.name}`));
      if (this.closed) return;
      this.quickDeaths = Date.now() - slot.startedAt < 2_000 ? this.quickDeaths + 1 : 0;
      const replace = () => {
        const i = this.slots.indexOf(slot);
        if (this.closed || i < 0) return;
        this.slots[i] = this.spawn();
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
    for (const slot of this.slots) {
      if (!this.queue.length) return;
      if (slot.task) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref(); // a running job keeps the process alive until it answers
      try {
        slot.worker.postMessage({ id: task.id, name: task.name, actor: task.actor, input: task.input });
      } catch (e) {
        // the input cannot be copied to the worker: a programming error, not a worker failure
        slot.task = null;
        task.reject(e as Error);
      }
    }
  }
}

// The job queue on SQLite (lib/jobs/queue.ts): one process per database, so a job runs in this
// process as today — a named job of lib/jobs.ts goes to startJob (the production server's worker
// threads, else this thread after the current request), unchanged. Handlers given to work() run in
// this thread on the process's connection, for jobs that are not in JOBS.
import { randomUUID } from 'node:crypto';
import { getDb, type DB } from '@/db/client';
import { isJobName, startJob } from '@/lib/jobs';
import type { Actor } from '@/lib/auth/core';
import { instanceName, type JobHandlers, type JobQueue, type SendOptions } from './queue';

const logFailure = (name: string) => (message: string) => console.error(`[labqc] job ${name} failed: ${message}`);

export class InProcessJobQueue implements JobQueue<DB> {
  readonly backend = 'sqlite' as const;
  private readonly handlers: JobHandlers<DB> = {};
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  async send(name: string, actor: Actor, input: unknown, opts: SendOptions = {}): Promise<string> {
    if (this.stopped) throw new Error('the job queue is stopped');
    const id = randomUUID();
    const onError = opts.onError ?? logFailure(name);
    const handler = this.handlers[name];
    if (!handler) {
      if (!isJobName(name)) throw new Error(`unknown job ${name}`);
      startJob(name, actor, input as never, onError);
      return id;
    }
    const job = { id, name, attempt: 0, instance: instanceName() };
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => handler(getDb(), actor, input as never, job))
      .catch((e: unknown) => onError((e as Error)?.message ?? String(e)))
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return id;
  }

  async work(handlers: JobHandlers<DB>): Promise<void> {
    Object.assign(this.handlers, handlers);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running]);
  }
}

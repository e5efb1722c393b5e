// A long-lived worker thread that is started again when it ends without being asked to (an uncaught
// error, a native crash, an exit): the webhook dispatcher and the hourly expiry and daily eligibility
// run live in one, and must not stop for the rest of the server's life because of one bad moment.
// The job pool (pool.ts) replaces its own workers; this is the same for a single thread with no jobs.
import type { Worker } from 'node:worker_threads';

export interface SupervisedWorker {
  /** The thread running now (null between an unexpected end and its restart, and after stop). */
  readonly current: Worker | null;
  /** How many times it was started again. */
  readonly restarts: number;
  /** Ends it for good: posts `message` and resolves once the thread has ended, or after `graceMs`
   * with the thread terminated. */
  stop(message: unknown, graceMs: number): Promise<void>;
}

/**
 * Start `create()`'s worker and start it again whenever it ends unasked. The next start waits
 * `minDelayMs` (default 1 s), doubling up to `maxDelayMs` (default 60 s) while it keeps ending
 * within `healthyAfterMs` (default 60 s) of its start, so a thread that cannot start does not spin.
 * The thread does not keep the process alive (unref).
 */
export function superviseWorker(
  create: () => Worker,
  opts: { name: string; minDelayMs?: number; maxDelayMs?: number; healthyAfterMs?: number; log?: (message: string) => void },
): SupervisedWorker {
  const minDelay = opts.minDelayMs ?? 1_000;
  const maxDelay = opts.maxDelayMs ?? 60_000;
  const healthyAfter = opts.healthyAfterMs ?? 60_000;
  const log = opts.log ?? ((m: string) => console.error(`[labqc] ${m}`));
  let current: Worker | null = null;
  let restarts = 0;
  let stopping = false;
  let delay = minDelay;
  let pending: NodeJS.Timeout | null = null;

  const launch = () => {
    pending = null;
    if (stopping) return;
    const startedAt = Date.now();
    const worker = create();
    current = worker;
    worker.unref();
    worker.on('error', (e) => log(`${opts.name} worker failed: ${e?.message ?? e}`));
    worker.once('exit', (code) => {
      if (current === worker) current = null;
      if (stopping) return;
      if (Date.now() - startedAt >= healthyAfter) delay = minDelay;
      log(`${opts.name} worker ended (exit code ${code}); starting it again in ${delay} ms`);
      pending = setTimeout(() => {
        restarts++;
        launch();
      }, delay);
      pending.unref();
      delay = Math.min(maxDelay, delay * 2);
    });
  };
  launch();

  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    async stop(message, graceMs) {
      stopping = true;
      if (pending) clearTimeout(pending);
      const worker = current;
      if (!worker) return;
      const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage(message);
      const timer = setTimeout(() => void worker.terminate(), Math.max(0, graceMs));
      await ended;
      clearTimeout(timer);
    },
  };
}

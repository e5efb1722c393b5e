// The webhook thread's supervisor with real worker threads: a thread that ends unasked is started
// again (later each time while it keeps dying young), one asked to stop is not, and one that does not
// stop within the grace is terminated.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { superviseWorker, type SupervisedWorker } from '@/lib/server/supervised-worker';

const LIVES = `const { parentPort } = require('node:worker_threads');
const keep = setInterval(() => {}, 1000);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(keep); process.exit(0); } });`;
const IGNORES_STOP = `setInterval(() => {}, 1000);`;
const DIES = `process.exit(3);`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

let running: SupervisedWorker[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop('stop', 0)));
  running = [];
});

function supervise(code: string | (() => string), opts: { minDelayMs?: number; maxDelayMs?: number; healthyAfterMs?: number } = {}) {
  const log: string[] = [];
  let starts = 0;
  const s = superviseWorker(
    () => {
      starts++;
      return new Worker(typeof code === 'function' ? code() : code, { eval: true });
    },
    { name: 'test', log: (m) => log.push(m), ...opts },
  );
  running.push(s);
  return { s, log, starts: () => starts };
}

describe('superviseWorker', () => {
  it('starts a thread that ended unasked again, waiting twice as long each time it dies young, up to the maximum', async () => {
    const { s, log, starts } = supervise(DIES, { minDelayMs: 10, maxDelayMs: 40, healthyAfterMs: 60_000 });
    await until(() => starts() >= 5);
    expect(s.restarts).toBeGreaterThanOrEqual(4);
    const delays = log.slice(0, 4).map((m) => Number(m.match(/again in (\d+) ms/)?.[1]));
    expect(delays).toEqual([10, 20, 40, 40]);
    expect(log[0]).toMatch(/^test worker ended \(exit code 3\)/);
  });

  it('a thread that ran long enough before it ended is started again after the shortest wait', async () => {
    let n = 0;
    // the first two starts live 1.2 s (longer than healthyAfterMs), then they die at once (a thread
    // starts in well under the 0.6 s even on a loaded machine)
    const { log, starts } = supervise(() => (n++ < 2 ? `setTimeout(() => process.exit(5), 1200)` : DIES), { minDelayMs: 10, maxDelayMs: 1_000, healthyAfterMs: 600 });
    await until(() => starts() >= 5);
    expect(log.slice(0, 4).map((m) => Number(m.match(/again in (\d+) ms/)?.[1]))).toEqual([10, 10, 20, 40]);
  });

  it('a thread asked to stop ends and is not started again', async () => {
    const { s, log, starts } = supervise(LIVES, { minDelayMs: 10 });
    await until(() => s.current !== null);
    await sleep(50); // the thread has set up its message handler
    await s.stop('stop', 5_000);
    await sleep(100);
    expect([starts(), s.restarts, s.current, log]).toEqual([1, 0, null, []]);
  });

  it('a thread that does not stop within the grace is terminated', async () => {
    const { s, starts } = supervise(IGNORES_STOP, { minDelayMs: 10 });
    await sleep(50);
    const t0 = Date.now();
    await s.stop('stop', 100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    await sleep(100);
    expect([starts(), s.current]).toEqual([1, null]);
  });

  it('a stop between an unexpected end and the restart cancels the restart', async () => {
    const { s, starts } = supervise(DIES, { minDelayMs: 200 });
    await until(() => s.current === null && starts() === 1);
    await sleep(20);
    await s.stop('stop', 0);
    await sleep(300);
    expect([starts(), s.restarts]).toEqual([1, 0]);
  });
});

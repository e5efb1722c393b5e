// The readiness answer (lib/services/health.ts): 200 while the database answers, 503 when the round
// trip fails, throws before it starts, or is still out after the timeout.
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { healthOf } from '@/lib/services/health';

const OK = { status: 200, body: { status: 'ok', database: 'ok' } };
const DOWN = { status: 503, body: { status: 'unavailable', database: 'unavailable' } };

describe('healthOf', () => {
  it('200 when the ping answers', async () => {
    expect(await healthOf(async () => [{ ok: 1 }])).toEqual(OK);
  });

  it('503 when the ping fails, or throws before it is under way (no database handle)', async () => {
    expect(await healthOf(() => Promise.reject(new Error('connection refused')))).toEqual(DOWN);
    expect(
      await healthOf(() => {
        throw new Error('unable to open database file');
      }),
    ).toEqual(DOWN);
  });

  it('503 once the timeout passes with the ping still out, and not before', async () => {
    let answer: (v: unknown) => void = () => {};
    const t0 = performance.now();
    const slow = await healthOf(() => new Promise((resolve) => (answer = resolve)), 60);
    expect(slow).toEqual(DOWN);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
    answer(1); // a late answer changes nothing
    // a ping that answers within the timeout is in time
    expect(await healthOf(() => new Promise((resolve) => setTimeout(resolve, 10)), 500)).toEqual(OK);
  });

  it("200 when the answer came in time while this process's event loop was busy past the timeout", async () => {
    // one I/O round trip (a file's stat, done by libuv's threads) that completes during a busy spell
    // run from the loop's check phase, so the timer comes due before the answer has been read: it is
    // the answer that counts
    const answer = await new Promise<Promise<unknown>>((started) =>
      setImmediate(() => {
        const roundTrip = stat(import.meta.filename);
        const health = healthOf(() => roundTrip, 50);
        const until = Date.now() + 300;
        while (Date.now() < until) {
          /* a long synchronous job, or a garbage collection */
        }
        started(health);
      }),
    );
    expect(await answer).toEqual(OK);
  });
});

// Rounds (lib/services/recognition/rounds.ts): single verify checks on PostgreSQL answered together.
// A check is only ever answered by a round that started after it arrived; at most one round runs and
// one is queued; a round's failure reaches each of its checks; the queued round is bounded.
import { describe, expect, it } from 'vitest';
import { Rounds, type Settled } from '@/lib/services/recognition/rounds';

/** A round runner whose rounds the test ends by hand; it records each round's items. */
function controlled() {
  const started: { items: number[]; end: (answers?: Settled<string>[] | Error) => void }[] = [];
  const rounds = new Rounds<number, string>(
    (items) =>
      new Promise((resolve, reject) =>
        started.push({ items: [...items], end: (a) => (a instanceof Error ? reject(a) : resolve(a ?? items.map((i) => ({ value: `answer ${i}` })))) }),
      ),
    3,
  );
  return { rounds, started };
}
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('rounds of single checks', () => {
  it('checks of one tick share a round; a check arriving while a round runs waits for the next one', async () => {
    const { rounds, started } = controlled();
    const a = rounds.submit(1)!;
    const b = rounds.submit(2)!;
    await tick();
    expect(started.map((r) => r.items)).toEqual([[1, 2]]);
    // arrives while round 1 runs: not answered by it, though round 1 ends after it arrived
    const c = rounds.submit(3)!;
    let cAnswered = false;
    void c.then(() => (cAnswered = true));
    started[0].end();
    expect(await a).toBe('answer 1');
    expect(await b).toBe('answer 2');
    await tick();
    expect(cAnswered).toBe(false);
    expect(started.map((r) => r.items)).toEqual([[1, 2], [3]]);
    // round 2 runs: the next check queues again, and round 3 starts only when round 2 has ended
    const d = rounds.submit(4)!;
    await tick();
    expect(started).toHaveLength(2);
    started[1].end();
    expect(await c).toBe('answer 3');
    await tick();
    expect(started.map((r) => r.items)).toEqual([[1, 2], [3], [4]]);
    started[2].end();
    expect(await d).toBe('answer 4');
    // idle again: the next check starts a round of its own at once
    const e = rounds.submit(5)!;
    await tick();
    expect(started.map((r) => r.items.join())).toEqual(['1,2', '3', '4', '5']);
    started[3].end();
    expect(await e).toBe('answer 5');
    await tick();
    expect(rounds.busy).toBe(false);
  });

  it('a failed round fails each of its checks; a check\'s own refusal fails only that check; the next round runs', async () => {
    const { rounds, started } = controlled();
    const a = rounds.submit(1)!;
    const b = rounds.submit(2)!;
    await tick();
    const c = rounds.submit(3)!;
    const d = rounds.submit(4)!;
    const lost = new Error('connection lost');
    started[0].end(lost);
    await expect(a).rejects.toBe(lost);
    await expect(b).rejects.toBe(lost);
    await tick();
    expect(started[1].items).toEqual([3, 4]);
    const refusal = new Error('lab.notFound');
    started[1].end([{ error: refusal }, { value: 'answer 4' }]);
    await expect(c).rejects.toBe(refusal);
    expect(await d).toBe('answer 4');
  });

  it('a runner that throws at once fails its round, not the caller of submit', async () => {
    const boom = new Error('boom');
    const rounds = new Rounds<number, string>(() => {
      throw boom;
    });
    const a = rounds.submit(1)!;
    await expect(a).rejects.toBe(boom);
    await tick();
    expect(rounds.busy).toBe(false);
  });

  it('at most one round runs and one is queued, and the queued one takes at most maxPerRound checks', async () => {
    const { rounds, started } = controlled();
    const first = [1, 2, 3].map((i) => rounds.submit(i));
    expect(first.every(Boolean)).toBe(true);
    expect(rounds.submit(4)).toBeNull(); // the queued round is full (3): the caller answers it itself
    await tick();
    expect(started.map((r) => r.items)).toEqual([[1, 2, 3]]);
    const queued = [5, 6, 7].map((i) => rounds.submit(i));
    expect(queued.every(Boolean)).toBe(true);
    expect(rounds.submit(8)).toBeNull();
    expect(rounds.waiting).toBe(3);
    await tick();
    expect(started).toHaveLength(1); // one running, one queued, nothing more
    started[0].end();
    await Promise.all(first);
    await tick();
    expect(started.map((r) => r.items)).toEqual([[1, 2, 3], [5, 6, 7]]);
    expect(rounds.waiting).toBe(0);
    expect(rounds.submit(9)).not.toBeNull(); // room again in a new queued round
    started[1].end();
    expect(await Promise.all(queued)).toEqual(['answer 5', 'answer 6', 'answer 7']);
  });
});

// Requests answered together: every request that arrives while a round of reads runs waits for the
// next round, and that round answers all of them at once (one set of statements for the lot instead
// of one per request). At most one round runs and one is queued; the queued one starts when the
// running one ends. A request is thus always answered by a round that STARTED AFTER it arrived, so it
// sees everything committed before it arrived (a decision taken through another app instance whose
// answer came back before this request was sent). A round's failure is every one of its requests'
// failure. The queued round takes at most `maxPerRound` requests; when it is full, submit() returns
// null and the caller answers that request on its own (no queue grows without bound).

/** One request's outcome in a round: its value, or its own refusal (the others are still answered). */
export type Settled<A> = { value: A } | { error: unknown };

interface Round<I, A> {
  items: I[];
  waiters: { resolve: (a: A) => void; reject: (e: unknown) => void }[];
}

export class Rounds<I, A> {
  private queued: Round<I, A> | null = null;
  private running = false;

  /** `run` answers a round's items in order (one Settled per item). */
  constructor(
    private readonly run: (items: readonly I[]) => Promise<Settled<A>[]>,
    readonly maxPerRound = 1_000,
  ) {}

  /** The answer to `item` from a round that starts after this call, or null when the queued round is full. */
  submit(item: I): Promise<A> | null {
    let q = this.queued;
    if (!q) q = this.queued = { items: [], waiters: [] };
    else if (q.items.length >= this.maxPerRound) return null;
    const round = q;
    const answer = new Promise<A>((resolve, reject) => round.waiters.push({ resolve, reject }));
    round.items.push(item);
    // the round starts in a microtask: requests of the same tick join it
    if (!this.running) {
      this.running = true;
      queueMicrotask(() => this.start());
    }
    return answer;
  }

  /** Whether a round is running (tests). */
  get busy(): boolean {
    return this.running;
  }

  /** How many requests wait for the queued round (tests). */
  get waiting(): number {
    return this.queued?.items.length ?? 0;
  }

  private start(): void {
    const r = this.queued;
    this.queued = null;
    if (!r) {
      this.running = false;
      return;
    }
    let done: Promise<Settled<A>[]>;
    try {
      done = this.run(r.items);
    } catch (e) {
      done = Promise.reject(e);
    }
    done
      .then(
        (answers) =>
          r.waiters.forEach((w, i) => {
            const a = answers[i];
            if (!a) w.reject(new Error('a round gave no answer for one of its requests'));
            else if ('error' in a) w.reject(a.error);
            else w.resolve(a.value);
          }),
        (e: unknown) => r.waiters.forEach((w) => w.reject(e)),
      )
      .finally(() => this.start());
  }
}

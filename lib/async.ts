// Helpers for the asynchronous data interface.

/**
 * `items.map(fn)` for an async `fn`, one item after the other (in order, as the synchronous map did):
 * the callbacks write in a transaction or read what an earlier one wrote, so they must not interleave.
 */
export async function mapSeq<T, R>(items: Iterable<T>, fn: (item: T, index: number) => Promise<R> | R): Promise<R[]> {
  const out: R[] = [];
  let i = 0;
  for (const item of items) out.push(await fn(item, i++));
  return out;
}

/** Whether `p` fulfils within `ms` (false once `ms` has passed; a rejection of `p` in time rejects).
 * The timer does not keep the process alive. When it comes due, the answer waits for the next poll of
 * I/O (setImmediate): after this process's own event loop was busy past `ms`, a reply that arrived in
 * time (the database's answer to a health check) is read before the wait is judged too long. */
export function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => setImmediate(() => r(false)), Math.max(0, ms)).unref())]);
}

// Per-client rate limit of the public batch verification (`POST /api/v1/verify`): at most `limit`
// batches per client address in a fixed window of `windowMs`. The address is the one the production
// server resolved (X-Forwarded-For only behind TRUSTED_PROXIES, lib/auth/client-address.ts); IPv6
// clients count per /64. Kept in memory: a restart forgets the counts (a batch is read-only work, not
// a guess at a password, so nothing needs to survive a restart).
//
// VERIFY_BATCH_RATE_LIMIT sets the batches per minute per client (default 60, i.e. up to 600,000
// checks a minute; 0 turns the limit off, e.g. for a platform behind its own gateway).
import { addressKey } from '@/lib/auth/throttle';

export interface RateLimiter {
  /** null when the request may go ahead, else the seconds until it may */
  take(address: string | null, now?: number): number | null;
  reset(): void;
}

export function createRateLimiter(opts: { limit: number; windowMs: number }): RateLimiter {
  const hits = new Map<string, { start: number; n: number }>();
  return {
    take(address, now = Date.now()) {
      if (!(opts.limit > 0)) return null;
      const key = addressKey(address);
      let h = hits.get(key);
      if (!h || now - h.start >= opts.windowMs) {
        if (hits.size > 50_000) for (const [k, v] of hits) if (now - v.start >= opts.windowMs) hits.delete(k);
        h = { start: now, n: 0 };
        hits.set(key, h);
      }
      if (h.n >= opts.limit) return Math.max(1, Math.ceil((h.start + opts.windowMs - now) / 1000));
      h.n++;
      return null;
    },
    reset() {
      hits.clear();
    },
  };
}

function envLimit(): number {
  const v = Number(process.env.VERIFY_BATCH_RATE_LIMIT);
  return Number.isFinite(v) && v >= 0 ? v : 60;
}

/** The batch verification's limiter: one per process, kept on globalThis because the production
 * server's fast path and Next's route handler are bundled separately yet must count together. */
export const verifyBatchLimiter: RateLimiter = ((globalThis as Record<symbol, RateLimiter>)[Symbol.for('labqc.verifyBatchLimiter')] ??= (() => {
  let inner: RateLimiter | null = null;
  let limit = -1;
  return {
    take(address, now) {
      const l = envLimit();
      if (!inner || l !== limit) {
        inner = createRateLimiter({ limit: l, windowMs: 60_000 });
        limit = l;
      }
      return inner.take(address, now);
    },
    reset() {
      inner?.reset();
    },
  };
})());

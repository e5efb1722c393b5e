// Per-client rate limit of the public batch verification (`POST /api/v1/verify`): at most `limit`
// batches per client address in a fixed window of `windowMs`. The address is the one the production
// server resolved (X-Forwarded-For only behind TRUSTED_PROXIES, lib/auth/client-address.ts); IPv6
// clients count per /64. On SQLite (one process) the counts are kept in memory: a restart forgets them
// (a batch is read-only work, not a guess at a password, so nothing needs to survive a restart). On
// PostgreSQL (DATABASE_URL=postgres://…, several app instances) they live in the database
// (./rate-limit-pg.ts), so every instance counts the same window.
//
// VERIFY_BATCH_RATE_LIMIT sets the batches per minute per client (default 60, i.e. up to 600,000
// checks a minute; 0 turns the limit off, e.g. for a platform behind its own gateway).
import { addressKey } from '@/lib/auth/throttle';
import { isPostgresUrl } from '@/db/pg/url';

export interface RateLimiter {
  /** null when the request may go ahead, else the seconds until it may */
  take(address: string | null, now?: number): Promise<number | null>;
  reset(): void | Promise<void>;
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** The in-memory limiter (one process). */
export function createRateLimiter(opts: RateLimit): RateLimiter {
  const hits = new Map<string, { start: number; n: number }>();
  return {
    async take(address, now = Date.now()) {
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

/** A limiter of this deployment, chosen here by DATABASE_URL: in the database on PostgreSQL (its
 * module loaded only then), in memory on SQLite. `name` keeps limiters' counts apart in the table. */
export function deploymentRateLimiter(name: string, opts: RateLimit, env: Record<string, string | undefined> = process.env): RateLimiter {
  const url = env.DATABASE_URL;
  if (!isPostgresUrl(url)) return createRateLimiter(opts);
  const shared = import('./rate-limit-pg').then((m) => m.createPgRateLimiter(m.rateLimitDb(url), name, opts));
  return {
    take: async (address, now) => (await shared).take(address, now),
    reset: async () => (await shared).reset(),
  };
}

/** The batch verification's limiter: one per process, kept on globalThis because the production
 * server's fast path and Next's route handler are bundled separately yet must count together. */
export const verifyBatchLimiter: RateLimiter = ((globalThis as Record<symbol, RateLimiter>)[Symbol.for('labqc.verifyBatchLimiter')] ??= (() => {
  let inner: RateLimiter | null = null;
  let limit = -1;
  let database: string | undefined;
  return {
    take(address, now) {
      const l = envLimit();
      // anew when the limit or the database changes (tests switch both; a deployment never does)
      if (!inner || l !== limit || process.env.DATABASE_URL !== database) {
        inner = deploymentRateLimiter('verify-batch', { limit: l, windowMs: 60_000 });
        limit = l;
        database = process.env.DATABASE_URL;
      }
      return inner.take(address, now);
    },
    reset() {
      return inner?.reset();
    },
  };
})());

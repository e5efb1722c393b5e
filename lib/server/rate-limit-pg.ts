// The rate limiter on PostgreSQL (lib/server/rate-limit.ts chooses it for DATABASE_URL=postgres://…):
// counts in rate_limit_windows (db/queries/rate-limit.ts), so several app instances share one
// window per client. Ended windows of this limiter are pruned at most once per window.
import { openPostgres, type PgDB } from '@/db/pg/client';
import { deleteRateLimitWindows, takeRateLimit } from '@/db/queries/rate-limit';
import { addressKey } from '@/lib/auth/throttle';
import type { RateLimit, RateLimiter } from './rate-limit';

const pools = new Map<string, PgDB>();

/** One small pool per database for the limiters of this process. */
export function rateLimitDb(url: string): PgDB {
  let db = pools.get(url);
  if (!db) {
    pools.set(url, (db = openPostgres(url, { max: 2 })));
    // an idle connection the server closed (restart, failover) is replaced, not a crash
    db.$client.on('error', (e) => console.error('[labqc] rate-limit connection:', e.message));
  }
  return db;
}

export function createPgRateLimiter(db: PgDB, name: string, opts: RateLimit): RateLimiter {
  const prefix = `${name}:`;
  let prunedAt = 0;
  return {
    async take(address, now = Date.now()) {
      if (!(opts.limit > 0)) return null;
      const w = await takeRateLimit(db, prefix + addressKey(address), now, opts.windowMs);
      if (now - prunedAt >= opts.windowMs) {
        prunedAt = now;
        deleteRateLimitWindows(db, prefix, now - opts.windowMs).catch((e: unknown) => console.error('[labqc] pruning rate-limit windows failed:', (e as Error)?.message ?? e));
      }
      return w.hits > opts.limit ? Math.max(1, Math.ceil((w.windowStart + opts.windowMs - now) / 1000)) : null;
    },
    async reset() {
      await deleteRateLimitWindows(db, prefix);
    },
  };
}

/** Close the pools of rateLimitDb (tests, shutdown). */
export async function closeRateLimitDbs(): Promise<void> {
  await Promise.all([...pools.keys()].map(closeRateLimitDb));
}

/** Close the pool of one database (a test database before it is dropped: its idle connections
 * would otherwise be terminated under it, and report it after the test). */
export async function closeRateLimitDb(url: string): Promise<void> {
  const db = pools.get(url);
  pools.delete(url);
  await db?.$client.end();
}

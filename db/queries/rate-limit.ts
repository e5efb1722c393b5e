// Rate-limit windows on PostgreSQL (rate_limit_windows, db/schema/ops.ts), shared by every app
// instance: one atomic upsert per take. SQLite's single process counts in memory instead
// (lib/server/rate-limit.ts).
import { and, like, lte, sql } from 'drizzle-orm';
import type { PgDB } from '../pg/client';
import { rateLimitWindows } from '../pg/schema';

/** Count one take for `key` in its fixed window (opened by the key's first take, a new one once
 * `windowMs` has passed since); returns the window's start and its takes including this one. */
export async function takeRateLimit(db: PgDB, key: string, now: number, windowMs: number): Promise<{ windowStart: number; hits: number }> {
  const ended = sql`${rateLimitWindows.windowStart} <= ${now - windowMs}`;
  const [row] = await db
    .insert(rateLimitWindows)
    .values({ key, windowStart: now, hits: 1 })
    .onConflictDoUpdate({
      target: rateLimitWindows.key,
      set: {
        windowStart: sql`CASE WHEN ${ended} THEN excluded.window_start ELSE ${rateLimitWindows.windowStart} END`,
        hits: sql`CASE WHEN ${ended} THEN 1 ELSE ${rateLimitWindows.hits} + 1 END`,
      },
    })
    .returning({ windowStart: rateLimitWindows.windowStart, hits: rateLimitWindows.hits });
  return row;
}

/** Remove the windows of keys starting with `prefix` that began at or before `before`. */
export async function deleteRateLimitWindows(db: PgDB, prefix: string, before = Number.MAX_SAFE_INTEGER): Promise<number> {
  const rows = await db
    .delete(rateLimitWindows)
    .where(and(like(rateLimitWindows.key, `${prefix.replace(/[\\%_]/g, '\\$&')}%`), lte(rateLimitWindows.windowStart, before)))
    .returning({ key: rateLimitWindows.key });
  return rows.length;
}

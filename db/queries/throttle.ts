// Failed sign-ins per key (lib/auth/throttle.ts decides what a key is and when it locks).
import { and, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { signInThrottle } from '../schema';

export type ThrottleRow = typeof signInThrottle.$inferSelect;

export function findThrottleRows(db: Conn, keys: string[]): ThrottleRow[] {
  return db.select().from(signInThrottle).where(inArray(signInThrottle.key, keys)).all();
}

/** Count one more failure for `key` (a new window when none is open); returns the row after. */
export function addFailure(db: Conn, key: string, userId: number | null, now: number): ThrottleRow {
  return db
    .insert(signInThrottle)
    .values({ key, userId, windowStart: now, failures: 1, lastAt: now })
    .onConflictDoUpdate({ target: signInThrottle.key, set: { failures: sql`${signInThrottle.failures} + 1`, lastAt: now } })
    .returning()
    .get();
}

/** Take back a failure counted before a check that then succeeded. */
export function removeFailure(db: Conn, key: string): void {
  db.update(signInThrottle)
    .set({ failures: sql`max(${signInThrottle.failures} - 1, 0)` })
    .where(eq(signInThrottle.key, key))
    .run();
}

export function setFailureReason(db: Conn, key: string, reason: string): void {
  db.update(signInThrottle).set({ lastReason: reason }).where(eq(signInThrottle.key, key)).run();
}

/** Lock `key` until `until` unless it is already locked; returns whether this call locked it. */
export function lockKey(db: Conn, key: string, until: number): boolean {
  return db.update(signInThrottle).set({ lockedUntil: until }).where(and(eq(signInThrottle.key, key), isNull(signInThrottle.lockedUntil))).run().changes > 0;
}

export function countRefusal(db: Conn, keys: string[], now: number): void {
  db.update(signInThrottle)
    .set({ refused: sql`${signInThrottle.refused} + 1`, lastAt: now })
    .where(inArray(signInThrottle.key, keys))
    .run();
}

/** Remove and return the rows whose window and lock have both ended by `now`. */
export function takeEndedWindows(db: Conn, windowMs: number, now: number): ThrottleRow[] {
  const ended = or(
    and(isNull(signInThrottle.lockedUntil), lte(signInThrottle.windowStart, now - windowMs)),
    and(lte(signInThrottle.lockedUntil, now), lte(signInThrottle.windowStart, now - windowMs)),
  );
  return db.delete(signInThrottle).where(ended).returning().all();
}

export function takeThrottleRow(db: Conn, key: string): ThrottleRow | undefined {
  return db.delete(signInThrottle).where(eq(signInThrottle.key, key)).returning().get();
}

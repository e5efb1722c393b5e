// Failed sign-ins per key (lib/auth/throttle.ts decides what a key is and when it locks).
import { and, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Conn } from '../client';
import { signInThrottle } from '../schema';
import { affectedRows, first, greatest } from '@/db/dialect';

export type ThrottleRow = typeof signInThrottle.$inferSelect;

export async function findThrottleRows(db: Conn, keys: string[]): Promise<ThrottleRow[]> {
  return await db.select().from(signInThrottle).where(inArray(signInThrottle.key, keys));
}

/** Count one more failure for `key` (a new window when none is open); returns the row after. */
export async function addFailure(db: Conn, key: string, userId: number | null, now: number): Promise<ThrottleRow> {
  return (await db
    .insert(signInThrottle)
    .values({ key, userId, windowStart: now, failures: 1, lastAt: now })
    .onConflictDoUpdate({ target: signInThrottle.key, set: { failures: sql`${signInThrottle.failures} + 1`, lastAt: now } })
    .returning())[0];
}

/** Take back a failure counted before a check that then succeeded. */
export async function removeFailure(db: Conn, key: string): Promise<void> {
  await db.update(signInThrottle)
    .set({ failures: greatest(sql`${signInThrottle.failures} - 1`, 0) })
    .where(eq(signInThrottle.key, key));
}

export async function setFailureReason(db: Conn, key: string, reason: string): Promise<void> {
  await db.update(signInThrottle).set({ lastReason: reason }).where(eq(signInThrottle.key, key));
}

/** Lock `key` until `until` unless it is already locked; returns whether this call locked it. */
export async function lockKey(db: Conn, key: string, until: number): Promise<boolean> {
  return affectedRows(await db.update(signInThrottle).set({ lockedUntil: until }).where(and(eq(signInThrottle.key, key), isNull(signInThrottle.lockedUntil)))) > 0;
}

export async function countRefusal(db: Conn, keys: string[], now: number): Promise<void> {
  await db.update(signInThrottle)
    .set({ refused: sql`${signInThrottle.refused} + 1`, lastAt: now })
    .where(inArray(signInThrottle.key, keys));
}

/** Remove and return the rows whose window and lock have both ended by `now`. */
export async function takeEndedWindows(db: Conn, windowMs: number, now: number): Promise<ThrottleRow[]> {
  const ended = or(
    and(isNull(signInThrottle.lockedUntil), lte(signInThrottle.windowStart, now - windowMs)),
    and(lte(signInThrottle.lockedUntil, now), lte(signInThrottle.windowStart, now - windowMs)),
  );
  return await db.delete(signInThrottle).where(ended).returning();
}

export async function takeThrottleRow(db: Conn, key: string): Promise<ThrottleRow | undefined> {
  return first(await db.delete(signInThrottle).where(eq(signInThrottle.key, key)).returning());
}

// Sign-in rate limit: at most MAX_FAILURES failed sign-ins per account and per client address in a
// window of WINDOW_MS (counted from the key's first failure). The next attempt is refused (HTTP 429)
// until RETRY_MS after the failure that reached the limit, even with the right password. Counts live
// in the database (sign_in_throttle), so restarting the server does not reset them.
//
// Audit: one `auth.sign_in_failed` row per key and window, written when the window ends (or when the
// account signs in successfully), with the number of failures; one `auth.sign_in_locked` row when a
// key locks. Unknown emails are keyed by a hash, so nothing the attacker types is stored.
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Conn } from '@/db/client';
import { insertAudit } from '@/db/queries/audit';
import { findUserById } from '@/db/queries/users';
import {
  addFailure,
  countRefusal,
  findThrottleRows,
  lockKey,
  removeFailure,
  setFailureReason,
  takeEndedWindows,
  takeThrottleRow,
  type ThrottleRow,
} from '@/db/queries/throttle';
import { withTx } from '@/db/tx';

export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60_000;
export const RETRY_MS = 15 * 60_000;

export interface ThrottleKeys {
  account: string;
  address: string;
  userId: number | null;
}

/** IPv6 clients are counted per /64 (one customer's allocation), IPv4 per address. */
export function addressKey(address: string | null): string {
  if (!address) return 'a:unknown';
  if (!net.isIPv6(address)) return `a:${address}`;
  const full = expandIPv6(address);
  return `a:${full.slice(0, 4).join(':')}::/64`;
}

function expandIPv6(a: string): string[] {
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = a.includes('::') && tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

export function throttleKeys(userId: number | null, normalizedEmail: string, address: string | null): ThrottleKeys {
  const account = userId ? `u:${userId}` : `e:${createHash('sha256').update(normalizedEmail).digest('hex').slice(0, 32)}`;
  return { account, address: addressKey(address), userId };
}

/** When the keys may try again, or null if they may try now. */
export async function lockedUntil(db: Conn, keys: ThrottleKeys, now: number): Promise<number | null> {
  return untilOf(await findThrottleRows(db, [keys.account, keys.address]), now);
}

/** The latest time any of these counts refuses an attempt until, or null. */
function untilOf(rows: readonly Pick<ThrottleRow, 'failures' | 'windowStart' | 'lockedUntil'>[], now: number): number | null {
  let until: number | null = null;
  for (const r of rows) {
    const t = r.lockedUntil && r.lockedUntil > now ? r.lockedUntil : r.failures >= MAX_FAILURES && r.windowStart + WINDOW_MS > now ? now + RETRY_MS : null;
    if (t && (!until || t > until)) until = t;
  }
  return until;
}

/**
 * Start an attempt: refuse it (returns the retry time) when a key is locked; otherwise count it as a
 * failure in advance, so that concurrent attempts cannot pass the limit while their checks run. The
 * decision is taken again on the counts the increment returns: each key's row is locked by it, so an
 * attempt that ran at the same time is counted there, where the first read (PostgreSQL's read
 * committed, no lock) had not seen it yet.
 */
export async function beginAttempt(db: Conn, keys: ThrottleKeys, now: number): Promise<number | null> {
  return await withTx(db, async (tx) => {
    await flushEndedWindows(tx, now);
    let until = await lockedUntil(tx, keys, now);
    if (!until) {
      const counted = [await addFailure(tx, keys.account, keys.userId, now), await addFailure(tx, keys.address, null, now)];
      until = untilOf(counted.map((r) => ({ ...r, failures: r.failures - 1 })), now);
      if (!until) return null;
      await removeFailure(tx, keys.account);
      await removeFailure(tx, keys.address);
    }
    await countRefusal(tx, [keys.account, keys.address], now);
    return until;
  });
}

/** The check failed: keep the counts, lock keys that reached the limit (audited once per lock). */
export async function failAttempt(db: Conn, keys: ThrottleKeys, reason: string, address: string | null, now: number): Promise<void> {
  await withTx(db, async (tx) => {
    for (const key of [keys.account, keys.address]) {
      await setFailureReason(tx, key, reason);
      const [row] = await findThrottleRows(tx, [key]);
      if (row && row.failures >= MAX_FAILURES && await lockKey(tx, key, now + RETRY_MS)) {
        await insertAudit(tx, { ...await who(tx, row, address), action: 'auth.sign_in_locked', details: { key: kindOf(row), failures: row.failures, until: now + RETRY_MS }, at: now });
      }
    }
  });
}

/** The check succeeded: the account's count ends (its failures are audited now); the address keeps
 * its earlier failures but not this attempt. */
export async function succeedAttempt(db: Conn, keys: ThrottleKeys, address: string | null, now: number): Promise<void> {
  await withTx(db, async (tx) => {
    await removeFailure(tx, keys.account);
    await removeFailure(tx, keys.address);
    const row = await takeThrottleRow(tx, keys.account);
    if (row && row.failures > 0) await auditWindow(tx, row, address, now);
  });
}

/** Write one audit row per ended window and forget it. Runs at every sign-in attempt. */
export async function flushEndedWindows(db: Conn, now: number): Promise<number> {
  const rows = await takeEndedWindows(db, WINDOW_MS, now);
  for (const r of rows) if (r.failures > 0 || r.refused > 0) await auditWindow(db, r, null, now);
  return rows.length;
}

function kindOf(r: ThrottleRow): 'account' | 'unknown_email' | 'address' {
  return r.key.startsWith('u:') ? 'account' : r.key.startsWith('e:') ? 'unknown_email' : 'address';
}

async function who(db: Conn, r: ThrottleRow, address: string | null) {
  const kind = kindOf(r);
  if (kind === 'address') {
    const ip = r.key.slice(2);
    return { actorEmail: null, entityType: 'client_address', entityId: ip, ip: ip === 'unknown' ? null : ip };
  }
  const user = r.userId ? await findUserById(db, r.userId) : undefined;
  return { actorId: user?.id ?? null, actorEmail: user?.email ?? null, entityType: 'user', entityId: user?.id ?? null, labId: user?.labId ?? null, regionId: user?.regionId ?? null, ip: address };
}

async function auditWindow(db: Conn, r: ThrottleRow, address: string | null, now: number) {
  await insertAudit(db, {
    ...await who(db, r, address),
    action: 'auth.sign_in_failed',
    details: { key: kindOf(r), failures: r.failures, refused: r.refused, reason: r.lastReason, from: r.windowStart, to: r.lastAt },
    at: now,
  });
}

// Turning credentials (a session's user id, a bearer token, an email + password) into an Actor.
// Free of next-auth and Next.js so that services, scripts and tests can use it directly.
import type { DB } from '@/db/client';
import { findActorRowByEmail, findActorRowByUserId, findTokenActorRow, touchToken } from '@/db/queries/actors';
import { insertAudit } from '@/db/queries/audit';
import type { Actor } from './actor';
import { setPasswordHashIfUnchanged } from '@/db/queries/users';
import { hashApiToken } from './tokens';
import { hashPasswordAsync, verifyAgainstDummy, verifyPassword } from './passwords';
import { beginAttempt, failAttempt, lockedUntil, succeedAttempt, throttleKeys } from './throttle';
import { isSqliteBusy, withTx } from '@/db/tx';

type ActorRow = NonNullable<Awaited<ReturnType<typeof findActorRowByUserId>>>;

function toActor(row: ActorRow, via: Actor['via']): Actor | null {
  // deactivated users (and managers of deactivated labs) lose access at once, sessions and tokens alike
  if (!row.active) return null;
  if (row.role === 'lab_manager' && (!row.labId || row.labActive === false)) return null;
  return {
    userId: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    labId: row.labId ?? null,
    labCode: row.labCode ?? null,
    regionId: row.regionId ?? null,
    regionCode: row.regionCode ?? null,
    regionPath: row.regionPath ?? null,
    via,
    ...(row.mustChangePassword ? { mustChangePassword: true } : {}),
  };
}

/**
 * The actor of a session. `sessionVersion` is the value the session was signed with: a password
 * change or reset raises the account's version, which ends every session signed before it. Without
 * it (scripts, seed, tests) the version is not checked.
 */
export async function actorForUserId(db: DB, userId: number, sessionVersion?: number): Promise<Actor | null> {
  const row = await findActorRowByUserId(db, userId);
  if (!row) return null;
  if (sessionVersion !== undefined && row.sessionVersion !== sessionVersion) return null;
  return toActor(row, 'session');
}

/** The actor of a bearer token: its creator, restricted to the token's lab. */
export async function actorForApiToken(db: DB, token: string, now = Date.now()): Promise<Actor | null> {
  const t = await findTokenActorRow(db, hashApiToken(token));
  if (!t || (t.expiresAt !== null && t.expiresAt <= now)) return null;
  const row = t.user;
  if (row.labId !== t.tokenLabId) return null;
  // a token keeps working while its creator must change a temporary password: it is not a sign-in
  const actor = toActor({ ...row, mustChangePassword: false }, 'token');
  if (actor) actor.token = { id: t.tokenId, scopes: t.scopes };
  // "last used" to the minute is enough, and keeps a busy LIS from writing on every request
  if (actor && (t.lastUsedAt ?? 0) < now - 60_000) await touchTokenIfFree(db, t.tokenId, now);
  return actor;
}

/** Note the token's use unless another connection writes now (a job worker's import): then a later
 * request notes it, and this one does not wait for the write lock. */
async function touchTokenIfFree(db: DB, tokenId: number, now: number): Promise<void> {
  try {
    await withTx(db, (tx) => touchToken(tx, tokenId, now), { lockWaitMs: 0 });
  } catch (e) {
    if (!isSqliteBusy(e)) throw e;
  }
}

export type SignInOutcome =
  | { ok: true; actor: Actor; mustChangePassword: boolean; sessionVersion: number }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'rate_limited'; retryAt: number };

/**
 * Check a password sign-in. The password check runs in the thread pool; an unknown email costs the
 * same work as a known one; failures are counted per account and per client address (lib/auth/
 * throttle.ts), and the eleventh failure within 15 minutes is refused without checking. A success is
 * audited at once; failures are audited per account/address and window. A legacy (bcrypt) hash is
 * replaced by scrypt on success.
 */
export async function authenticate(db: DB, input: { email: string; password: string; address?: string | null }, now = Date.now()): Promise<SignInOutcome> {
  const normalized = input.email.trim().toLowerCase();
  const address = input.address ?? null;
  const row = await findActorRowByEmail(db, normalized);
  const keys = throttleKeys(row?.id ?? null, normalized, address);
  const retryAt = await beginAttempt(db, keys, now);
  if (retryAt) return { ok: false, reason: 'rate_limited', retryAt };

  let reason: 'unknown_email' | 'wrong_password' | 'inactive';
  let needsRehash = false;
  if (!row) {
    await verifyAgainstDummy(input.password);
    reason = 'unknown_email';
  } else {
    const v = await verifyPassword(input.password, row.passwordHash);
    needsRehash = v.needsRehash;
    reason = v.ok ? 'inactive' : 'wrong_password';
  }
  // re-read after the wait: the account may have changed meanwhile
  const fresh = row && reason === 'inactive' ? await findActorRowByEmail(db, normalized) : undefined;
  const actor = fresh && fresh.passwordHash === row!.passwordHash ? toActor(fresh, 'session') : null;
  if (!actor || !fresh) {
    await failAttempt(db, keys, reason, address, now);
    return { ok: false, reason: 'invalid' };
  }
  const newHash = needsRehash ? await hashPasswordAsync(input.password) : null;
  await withTx(db, async (tx) => {
    await succeedAttempt(tx, keys, address, now);
    if (newHash) await setPasswordHashIfUnchanged(tx, fresh.id, fresh.passwordHash, newHash);
    await insertAudit(tx, {
      action: 'auth.sign_in',
      actorId: fresh.id,
      actorEmail: fresh.email,
      entityType: 'user',
      entityId: fresh.id,
      labId: fresh.labId ?? null,
      regionId: fresh.regionId ?? null,
      details: newHash ? { passwordHashUpgraded: true } : null,
      ip: address,
      at: now,
    });
  });
  return { ok: true, actor, mustChangePassword: fresh.mustChangePassword, sessionVersion: fresh.sessionVersion };
}

/** The actor of a correct email + password, else null (rate limits and audit as in authenticate). */
export async function signInWithPassword(db: DB, email: string, password: string, address?: string | null): Promise<Actor | null> {
  const r = await authenticate(db, { email, password, address });
  return r.ok ? r.actor : null;
}

/** When a sign-in for this email from this address may be tried again, or null if now (read-only:
 * the sign-in endpoint answers 429 with it before any work). */
export async function signInRetryAt(db: DB, email: string, address: string | null, now = Date.now()): Promise<number | null> {
  const normalized = email.trim().toLowerCase();
  const row = normalized ? await findActorRowByEmail(db, normalized) : undefined;
  return await lockedUntil(db, throttleKeys(row?.id ?? null, normalized, address), now);
}

/** Where a just signed-in user lands: their role and whether a temporary password must be changed
 * first (read by the sign-in action once the credentials were accepted). */
export async function signedInAccount(db: DB, email: string): Promise<{ role: Actor['role']; mustChangePassword: boolean } | undefined> {
  const row = await findActorRowByEmail(db, email.trim().toLowerCase());
  return row ? { role: row.role, mustChangePassword: !!row.mustChangePassword } : undefined;
}

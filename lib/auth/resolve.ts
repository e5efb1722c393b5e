// Turning credentials (a session's user id, a bearer token, an email + password) into an Actor.
// Free of next-auth and Next.js so that services, scripts and tests can use it directly.
import type { DB } from '@/db/client';
import { findActorRowByEmail, findActorRowByUserId, findTokenActorRow, touchToken } from '@/db/queries/actors';
import { insertAudit } from '@/db/queries/audit';
import type { Actor } from './actor';
import { hashApiToken } from './tokens';
import { verifyPassword } from './passwords';

type ActorRow = NonNullable<ReturnType<typeof findActorRowByUserId>>;

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
  };
}

export function actorForUserId(db: DB, userId: number): Actor | null {
  const row = findActorRowByUserId(db, userId);
  return row ? toActor(row, 'session') : null;
}

/** The actor of a bearer token: its creator, restricted to the token's lab. */
export function actorForApiToken(db: DB, token: string, now = Date.now()): Actor | null {
  const t = findTokenActorRow(db, hashApiToken(token));
  if (!t) return null;
  const row = findActorRowByUserId(db, t.userId);
  if (!row || row.labId !== t.tokenLabId) return null;
  const actor = toActor(row, 'token');
  // "last used" to the minute is enough, and keeps a busy LIS from writing on every request
  if (actor && (t.lastUsedAt ?? 0) < now - 60_000) touchToken(db, t.tokenId, now);
  return actor;
}

/** Check a password sign-in and write the outcome to the audit log (success and failure alike). */
export function signInWithPassword(db: DB, email: string, password: string, ip?: string | null): Actor | null {
  const normalized = email.trim().toLowerCase();
  const row = findActorRowByEmail(db, normalized);
  const ok = !!row && verifyPassword(password, row.passwordHash);
  const actor = ok && row ? toActor(row, 'session') : null;
  insertAudit(db, {
    action: actor ? 'auth.sign_in' : 'auth.sign_in_failed',
    actorId: row?.id ?? null,
    actorEmail: normalized,
    entityType: 'user',
    entityId: row?.id ?? null,
    labId: row?.labId ?? null,
    regionId: row?.regionId ?? null,
    details: actor ? null : { reason: !row ? 'unknown_email' : !ok ? 'wrong_password' : 'inactive' },
    ip: ip ?? null,
  });
  return actor;
}

// Accounts. Admins manage administrators, regulators (bound to a region) and hospital accounts; a
// regulator manages the lab-manager accounts of the labs of their jurisdiction. Accounts are never
// deleted: deactivation stops sign-in, sessions and API tokens at once (lib/auth/resolve.ts).
import { randomInt } from 'node:crypto';
import type { Conn, DB } from '@/db/client';
import { users } from '@/db/schema';
import { findRegionByCode } from '@/db/queries/regions';
import { findLabByCode } from '@/db/queries/labs';
import { insertAudit } from '@/db/queries/audit';
import { fieldChanges } from './audit';
import { snapshotEntity } from '@/db/queries/versions';
import { endSessions, findPasswordRow, findUserIdByEmail, findUserScope, revokeTokensOfUser, setUserPassword, updateUserRow } from '@/db/queries/users';
import { countLiveTokensOfUser } from '@/db/queries/tokens';
import { eq } from 'drizzle-orm';
import { can, type Actor } from '@/lib/auth/core';
import { hashPasswordAsync, verifyPassword } from '@/lib/auth/passwords';
import { beginAttempt, failAttempt, succeedAttempt, throttleKeys } from '@/lib/auth/throttle';
import { passwordChangeInput } from '@/lib/validation/auth';
import { AppError, fieldError } from '@/lib/errors';
import { centralAccountInput, newAccountInput, userActiveInput, userIdInput, userInput, userUpdateInput } from '@/lib/validation/admin';
import { zodFieldErrors } from '@/lib/validation/errors';
import { withTx } from '@/db/tx';
import { first } from '@/db/dialect';

// no 0/O, 1/l/I: read aloud or copied from a screen without mistakes
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A temporary password (14 characters, ~81 bits) shown once to the person creating the account. */
export function generateTemporaryPassword(length = 14): string {
  let s = '';
  for (let i = 0; i < length; i++) s += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return s;
}

/** Create an account. Admins create administrators, regulators (bound to a region) and hospital
 * accounts; a regulator creates lab managers for labs of their jurisdiction. With
 * `temporaryPassword`, the user must choose their own password at first sign-in. */
export async function createUser(db: DB, actor: Actor, input: unknown, opts: { temporaryPassword?: boolean } = {}) {
  if (!can(actor, 'labUser.manage') && !can(actor, 'regulator.manage')) throw new AppError('account.createNotAllowed');
  const parsed = userInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid account', zodFieldErrors(parsed.error));
  const u = parsed.data;
  // hashed before the write lock is taken: the hash takes ~100 ms in the thread pool
  const passwordHash = await hashPasswordAsync(u.password);
  return await withTx(db, async (tx) => {
    let labId: number | null = null;
    let regionId: number | null = null;
    if (u.role === 'lab_manager') {
      const lab = u.labCode ? await findLabByCode(tx, u.labCode) : undefined;
      if (!lab) throw new AppError('lab.unknown', {}, [fieldError('account.labRequired', {}, 'labCode')]);
      if (!can(actor, 'labUser.manage', { labId: lab.lab.id, regionPath: lab.regionPath })) throw new AppError('lab.outsideJurisdiction');
      labId = lab.lab.id;
    } else {
      if (!can(actor, 'regulator.manage')) throw new AppError('account.adminOnlyKind');
      if (u.role === 'regulator') {
        const region = u.regionCode ? await findRegionByCode(tx, u.regionCode) : undefined;
        if (!region) throw new AppError('region.unknown', {}, [fieldError('account.regionRequired', {}, 'regionCode')]);
        regionId = region.id;
      }
    }
    if (first(await tx.select({ id: users.id }).from(users).where(eq(users.email, u.email)).limit(1))) throw new AppError('account.emailTaken', { email: u.email });
    const now = Date.now();
    const row = (await tx
      .insert(users)
      .values({
        email: u.email,
        name: u.name,
        role: u.role,
        passwordHash,
        mustChangePassword: !!opts.temporaryPassword,
        labId,
        regionId,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: users.id, email: users.email, role: users.role }))[0];
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'user.create',
      entityType: 'user',
      entityId: row.id,
      labId,
      regionId,
      details: { role: u.role, ...(opts.temporaryPassword ? { temporaryPassword: true } : {}) },
      at: now,
    });
    return row;
  });
}

/** A lab-manager account from the regulator's form, with a generated temporary password (returned
 * once, never stored in clear). */
export async function createLabManager(db: DB, actor: Actor, input: unknown) {
  const parsed = newAccountInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid account', zodFieldErrors(parsed.error));
  const temporaryPassword = generateTemporaryPassword();
  const user = await createUser(db, actor, { ...parsed.data, role: 'lab_manager', password: temporaryPassword }, { temporaryPassword: true });
  return { user, temporaryPassword };
}

/** A regulator account bound to a region (admin), with a generated temporary password. */
export async function createRegulator(db: DB, actor: Actor, input: unknown) {
  const parsed = newAccountInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid account', zodFieldErrors(parsed.error));
  const temporaryPassword = generateTemporaryPassword();
  const user = await createUser(db, actor, { ...parsed.data, role: 'regulator', password: temporaryPassword }, { temporaryPassword: true });
  return { user, temporaryPassword };
}

/** A hospital's (or a regional platform's) account, or a further administrator (admin only), with a
 * generated temporary password. Neither is bound to a lab or a region: a hospital checks every lab,
 * an administrator runs the whole installation. */
export async function createCentralAccount(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'regulator.manage')) throw new AppError('account.adminOnlyKind');
  const parsed = centralAccountInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid account', zodFieldErrors(parsed.error));
  const { email, name, role } = parsed.data;
  const temporaryPassword = generateTemporaryPassword();
  const user = await createUser(db, actor, { email, name, role, password: temporaryPassword }, { temporaryPassword: true });
  return { user, temporaryPassword };
}

type Target = NonNullable<Awaited<ReturnType<typeof findUserScope>>>;

/** The account with that id if the actor may manage it: 404 when unknown; 403 outside the
 * jurisdiction (lab managers) or for non-admins (every other role). */
async function manageableUser(tx: Conn, actor: Actor, id: number): Promise<Target> {
  const target = await findUserScope(tx, id);
  if (!target) throw new AppError('account.notFound');
  const allowed =
    target.user.role === 'lab_manager'
      ? can(actor, 'labUser.manage', { labId: target.user.labId ?? undefined, regionPath: target.regionPath ?? undefined })
      : can(actor, 'regulator.manage');
  if (!allowed) throw new AppError('account.outsideJurisdiction');
  return target;
}

/** Edit an account's name and email, a regulator's region (admin) or a lab manager's laboratory
 * (inside the jurisdiction). The previous state (without the password hash) is kept. */
export async function updateUser(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'labUser.manage') && !can(actor, 'regulator.manage')) throw new AppError('account.editNotAllowed');
  const parsed = userUpdateInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid account', zodFieldErrors(parsed.error));
  const u = parsed.data;
  return await withTx(db, async (tx) => {
    const target = await manageableUser(tx, actor, u.id);
    const before = target.user;
    const next: { email: string; name: string; labId?: number | null; regionId?: number | null } = { email: u.email, name: u.name };
    if (before.role === 'lab_manager' && u.labCode && u.labCode !== target.labCode) {
      const lab = await findLabByCode(tx, u.labCode);
      if (!lab) throw new AppError('lab.unknown', {}, [fieldError('lab.unknownCode', { lab: u.labCode }, 'labCode')]);
      if (!can(actor, 'labUser.manage', { labId: lab.lab.id, regionPath: lab.regionPath })) throw new AppError('lab.outsideJurisdiction');
      next.labId = lab.lab.id;
    }
    if (before.role === 'regulator' && u.regionCode && u.regionCode !== target.regionCode) {
      const region = await findRegionByCode(tx, u.regionCode);
      if (!region) throw new AppError('region.unknown', {}, [fieldError('region.unknownCode', { region: u.regionCode }, 'regionCode')]);
      next.regionId = region.id;
    }
    if (u.email !== before.email) {
      const clash = await findUserIdByEmail(tx, u.email);
      if (clash && clash !== before.id) throw new AppError('account.emailTaken', { email: u.email });
    }
    const changes = fieldChanges(before, next);
    if (!changes.changed.length) return before;
    const now = Date.now();
    await snapshotEntity(tx, 'user', before.id, before, actor.userId, u.reason, now);
    await updateUserRow(tx, before.id, next, now);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'user.update',
      entityType: 'user',
      entityId: before.id,
      labId: next.labId ?? before.labId,
      regionId: next.regionId ?? before.regionId,
      details: { reason: u.reason, ...changes },
      at: now,
    });
    return (await findUserScope(tx, before.id))!.user;
  });
}

/** Deactivate or reactivate an account (with a reason). Deactivation takes effect at once: sign-in
 * is refused, existing sessions end and the account's API tokens are revoked (so a later
 * reactivation does not revive credentials that may have leaked meanwhile). */
export async function setUserActive(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'labUser.manage') && !can(actor, 'regulator.manage')) throw new AppError('account.manageNotAllowed');
  const parsed = userActiveInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid request', zodFieldErrors(parsed.error));
  const { id, active, reason } = parsed.data;
  if (id === actor.userId && !active) throw new AppError('account.ownAccount');
  return await withTx(db, async (tx) => {
    const { user } = await manageableUser(tx, actor, id);
    if (user.active === active) return { ...user, revokedTokens: 0 };
    const now = Date.now();
    await snapshotEntity(tx, 'user', user.id, user, actor.userId, reason, now);
    await updateUserRow(tx, user.id, { active, deactivatedAt: active ? null : now }, now);
    const revokedTokens = active ? 0 : await revokeTokensOfUser(tx, user.id, now);
    if (!active) await endSessions(tx, { userId: user.id });
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: active ? 'user.reactivate' : 'user.deactivate',
      entityType: 'user',
      entityId: user.id,
      labId: user.labId,
      regionId: user.regionId,
      details: { reason, ...(revokedTokens ? { revokedTokens } : {}) },
      at: now,
    });
    return { ...user, active, revokedTokens };
  });
}

/** Replace an account's password by a generated temporary one, returned once. The account's sessions
 * end at once and its holder must choose a new password at the next sign-in; its API tokens are kept
 * (they belong to the lab's LIS, not to the password) and the audit row says how many. */
export async function resetPassword(db: DB, actor: Actor, input: unknown) {
  if (!can(actor, 'labUser.manage') && !can(actor, 'regulator.manage')) throw new AppError('account.manageNotAllowed');
  const parsed = userIdInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid request', zodFieldErrors(parsed.error));
  const temporaryPassword = generateTemporaryPassword();
  const passwordHash = await hashPasswordAsync(temporaryPassword);
  return await withTx(db, async (tx) => {
    const { user } = await manageableUser(tx, actor, parsed.data.id);
    const now = Date.now();
    await setUserPassword(tx, user.id, { passwordHash, mustChangePassword: true }, now);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'user.reset_password',
      entityType: 'user',
      entityId: user.id,
      labId: user.labId,
      regionId: user.regionId,
      details: { sessionsEnded: true, mustChangePassword: true, tokensKept: await countLiveTokensOfUser(tx, user.id) },
      at: now,
    });
    return { user, temporaryPassword };
  });
}

/**
 * A signed-in person changes their own password (current one, then the new one twice). Every other
 * session of the account ends; the caller re-issues its own session with the returned version.
 * API tokens are kept (the audit row counts them). Hashing runs in the thread pool.
 */
export async function changeOwnPassword(db: DB, actor: Actor, input: unknown, now = Date.now(), opts: { address?: string | null } = {}) {
  if (actor.via !== 'session') throw new AppError('auth.sessionOnly');
  const parsed = passwordChangeInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid password', zodFieldErrors(parsed.error));
  const account = await findPasswordRow(db, actor.userId);
  if (!account) throw new AppError('auth.signInRequired');
  if (parsed.data.newPassword.toLowerCase().includes(account.email.split('@')[0].toLowerCase())) {
    throw AppError.invalid('Invalid password', [fieldError('password.containsEmail', {}, 'newPassword')]);
  }
  // the current password is checked as a sign-in is: counted per account and client address (a
  // session left open must not guess it without limit, nor keep the hashing threads busy for others)
  const address = opts.address ?? null;
  const keys = throttleKeys(account.id, account.email, address);
  const retryAt = await beginAttempt(db, keys, now);
  if (retryAt) throw new AppError('password.tooManyAttempts', { at: new Date(retryAt).toISOString() }, [fieldError('password.tooManyAttempts', { at: new Date(retryAt).toISOString() }, 'currentPassword')]);
  const check = await verifyPassword(parsed.data.currentPassword, account.passwordHash);
  if (!check.ok) {
    await failAttempt(db, keys, 'wrong_current_password', address, now);
    throw AppError.invalid('Invalid password', [fieldError('password.wrongCurrent', {}, 'currentPassword')]);
  }
  await succeedAttempt(db, keys, address, now);
  const passwordHash = await hashPasswordAsync(parsed.data.newPassword);
  return await withTx(db, async (tx) => {
    const again = await findPasswordRow(tx, actor.userId);
    if (again?.passwordHash !== account.passwordHash) throw new AppError('account.passwordChangedMeanwhile');
    const { sessionVersion } = (await setUserPassword(tx, account.id, { passwordHash, mustChangePassword: false }, now))!;
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'user.change_password',
      entityType: 'user',
      entityId: account.id,
      labId: account.labId,
      regionId: account.regionId,
      details: { otherSessionsEnded: true, tokensKept: await countLiveTokensOfUser(tx, account.id) },
      at: now,
    });
    return { sessionVersion };
  });
}

/** The first administrator of an empty installation: the one account created without an actor. */
export async function bootstrapAdmin(db: DB, input: { email: string; name: string; password: string }, opts: { temporaryPassword?: boolean } = {}) {
  const parsed = userInput.safeParse({ ...input, role: 'admin' });
  if (!parsed.success) throw AppError.invalid('Invalid administrator', zodFieldErrors(parsed.error));
  const passwordHash = await hashPasswordAsync(parsed.data.password);
  return await withTx(db, async (tx) => {
    if (first(await tx.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1))) throw new AppError('account.adminExists');
    const now = Date.now();
    const row = (await tx
      .insert(users)
      .values({
        email: parsed.data.email,
        name: parsed.data.name,
        role: 'admin',
        passwordHash,
        mustChangePassword: !!opts.temporaryPassword,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: users.id }))[0];
    await insertAudit(tx, { actorEmail: 'system', action: 'user.bootstrap_admin', entityType: 'user', entityId: row.id, at: now });
    return row;
  });
}

// Access ends at once: sign-in is audited, API tokens authenticate until revoked, and deactivated
// accounts (or labs) lose sign-in, sessions and tokens immediately.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, testBackend, type TestDb } from '../support/db';
import { holdSqliteWriteLock } from '../support/write-lock';
import type { Actor } from '@/lib/auth/core';
import { actorForApiToken, actorForUserId, signInWithPassword } from '@/lib/auth/resolve';
import { flushEndedWindows, WINDOW_MS } from '@/lib/auth/throttle';
import { hashApiToken } from '@/lib/auth/tokens';
import { findActorRowByEmail } from '@/db/queries/actors';
import { createApiToken, revokeApiToken } from '@/lib/services/tokens';
import { setUserActive } from '@/lib/services/users';
import { setLabActive } from '@/lib/services/labs';
import { listTokensOfLab } from '@/db/queries/tokens';
import { listAudit } from '@/db/queries/audit';
import { apiTokens } from '@/db/schema';
import { AppError } from '@/lib/errors';

let t: TestDb & { admin: Actor; regulators: Record<'gd' | 'sz' | 'zj', Actor>; labManagers: Map<string, Actor> };
const idOf = async (email: string) => (await findActorRowByEmail(t.db, email))!.id;

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'ok';
}

/** What GET /api/v1/me answers for a bearer token: the same resolution the route uses. */
async function me(token: string) {
  const a = await actorForApiToken(t.db, token);
  return a ? { status: 200, email: a.email, role: a.role, labCode: a.labCode } : { status: 401 };
}

beforeAll(async () => {
  t = await createSeededTestDb();
});
afterAll(() => t.close());

describe('sign-in is audited', () => {
  it('a successful sign-in writes auth.sign_in at once, with the client address', async () => {
    expect(await signInWithPassword(t.db, 'lab1@demo.labqc', 'labqc-demo', '203.0.113.9')).not.toBeNull();
    const [entry] = await listAudit(t.db, { limit: 1 });
    expect(entry).toMatchObject({ action: 'auth.sign_in', actorEmail: 'lab1@demo.labqc', ip: '203.0.113.9' });
  });

  it.each([
    ['a wrong password', 'lab1@demo.labqc', 'wrong-password', 'lab1@demo.labqc', 'wrong_password'],
    ['an unknown email', 'nobody@demo.labqc', 'labqc-demo', null, 'unknown_email'],
  ])('signing in with %s is counted, then audited as one row when the window ends', async (_case, email, password, actorEmail, reason) => {
    const failedRows = async () => (await listAudit(t.db, { action: 'auth.sign_in_failed' })).filter((r) => (r.details as { key: string }).key !== 'address');
    const before = (await failedRows()).length;
    expect(await signInWithPassword(t.db, email, password, '203.0.113.9')).toBeNull();
    // the window opened at the sign-in's own clock reading, which is no later than this one
    const now = Date.now();
    expect(await failedRows()).toHaveLength(before);
    await flushEndedWindows(t.db, now + WINDOW_MS + 1);
    expect(await failedRows()).toHaveLength(before + 1);
    expect((await failedRows())[0]).toMatchObject({ actorEmail, details: { failures: 1, reason } });
  });
});

describe('API tokens', () => {
  let token: string;
  let tokenId: number;

  it('a lab manager creates a token: shown once, only its SHA-256 stored, audited', async () => {
    const created = await createApiToken(t.db, t.labManagers.get('GZ-001')!, { name: 'LIS 主机', scopes: ['iqc:write', 'read'] });
    token = created.token;
    tokenId = created.id;
    expect(token.startsWith(created.prefix)).toBe(true);
    const row = (await t.db.select().from(apiTokens)).find((r) => r.id === tokenId)!;
    expect(row.tokenHash).toBe(hashApiToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const entry = (await listAudit(t.db, { action: 'apiToken.create' }))[0];
    expect(entry).toMatchObject({ entityId: String(tokenId), labId: t.labManagers.get('GZ-001')!.labId });
    expect(JSON.stringify(entry.details)).not.toContain(token);
  });

  it('the token authenticates as its lab (what GET /api/v1/me answers) and records its last use', async () => {
    expect(await me(token)).toEqual({ status: 200, email: 'lab1@demo.labqc', role: 'lab_manager', labCode: 'GZ-001' });
    expect((await listTokensOfLab(t.db, t.labManagers.get('GZ-001')!.labId!))[0].lastUsedAt).not.toBeNull();
  });

  it.skipIf(testBackend !== 'sqlite')('while another connection holds the write lock (a job worker\'s import), the token authenticates at once and its last use is noted by a later request', async () => {
    const created = await createApiToken(t.db, t.labManagers.get('GZ-002')!, { name: 'LIS 2', scopes: ['read'] });
    const lastUsed = async () => (await listTokensOfLab(t.db, t.labManagers.get('GZ-002')!.labId!)).find((r) => r.id === created.id)!.lastUsedAt;
    const held = await holdSqliteWriteLock(t.file, 600);
    const t0 = Date.now();
    expect((await actorForApiToken(t.db, created.token))?.email).toBe(t.labManagers.get('GZ-002')!.email);
    expect(Date.now() - t0).toBeLessThan(300);
    expect(await lastUsed()).toBeNull();
    expect(await held.released).toBe(0);
    await actorForApiToken(t.db, created.token);
    expect(await lastUsed()).not.toBeNull();
  });

  it.each([
    ['an unknown token', 'lqc_not-a-real-token'],
    ['an empty string', ''],
  ])('%s is refused', async (_case, bad) => {
    expect(await me(bad)).toEqual({ status: 401 });
  });

  it.each([
    ['a manager of another lab', () => t.labManagers.get('GZ-003')!, 'not_found'],
    ['a regulator', () => t.regulators.gd, 'forbidden'],
    ['the admin', () => t.admin, 'forbidden'],
  ])('%s cannot revoke it', async (_who, actor, code) => {
    expect(await codeOf(async () => await revokeApiToken(t.db, actor(), { id: tokenId }))).toBe(code);
    expect((await me(token)).status).toBe(200);
  });

  it.each([
    ['a regulator', () => t.regulators.gd],
    ['the admin', () => t.admin],
  ])('%s cannot create tokens', async (_who, actor) => {
    expect(await codeOf(async () => await createApiToken(t.db, actor(), { name: 'x' }))).toBe('forbidden');
  });

  it('a token cannot mint another token', async () => {
    const viaToken = (await actorForApiToken(t.db, token))!;
    expect(await codeOf(async () => await createApiToken(t.db, viaToken, { name: 'child' }))).toBe('forbidden');
  });

  it('a revoked token is refused at once; the revocation is audited', async () => {
    await revokeApiToken(t.db, t.labManagers.get('GZ-001')!, { id: tokenId });
    expect(await me(token)).toEqual({ status: 401 });
    expect((await listTokensOfLab(t.db, t.labManagers.get('GZ-001')!.labId!))[0].revokedAt).not.toBeNull();
    expect((await listAudit(t.db, { action: 'apiToken.revoke' }))[0]).toMatchObject({ entityId: String(tokenId), actorId: t.labManagers.get('GZ-001')!.userId });
  });
});

describe('deactivated accounts lose access at once', () => {
  it('sign-in, the session and API tokens of a deactivated lab manager all stop working', async () => {
    const manager = t.labManagers.get('GZ-005')!;
    const { token } = await createApiToken(t.db, manager, { name: 'LIS', scopes: ['read'] });
    expect((await me(token)).status).toBe(200);
    await setUserActive(t.db, t.regulators.gd, { id: manager.userId, active: false, reason: 'left the laboratory' });
    expect(await signInWithPassword(t.db, manager.email, 'labqc-demo')).toBeNull();
    await flushEndedWindows(t.db, Date.now() + WINDOW_MS + 1);
    expect((await listAudit(t.db, { action: 'auth.sign_in_failed' })).find((r) => r.actorId === manager.userId)).toMatchObject({ details: { reason: 'inactive' } });
    expect(await actorForUserId(t.db, manager.userId)).toBeNull();
    expect(await me(token)).toEqual({ status: 401 });
    // the token was revoked with the account, so reactivating does not revive it
    await setUserActive(t.db, t.regulators.gd, { id: manager.userId, active: true, reason: 'back' });
    expect(await actorForUserId(t.db, manager.userId)).not.toBeNull();
    expect(await me(token)).toEqual({ status: 401 });
  });

  it('a deactivated regulator cannot sign in and their session resolves to no one', async () => {
    const id = await idOf('regulator.sz@demo.labqc');
    await setUserActive(t.db, t.admin, { id, active: false, reason: 'retired' });
    expect(await signInWithPassword(t.db, 'regulator.sz@demo.labqc', 'labqc-demo')).toBeNull();
    expect(await actorForUserId(t.db, id)).toBeNull();
  });

  it('the managers and tokens of a deactivated lab stop working until it is reactivated', async () => {
    const manager = t.labManagers.get('GZ-006')!;
    const { token } = await createApiToken(t.db, manager, { name: 'LIS', scopes: ['read'] });
    await setLabActive(t.db, t.regulators.gd, { code: 'GZ-006', active: false, reason: 'merged' });
    expect((await me(token)).status).toBe(401);
    expect(await signInWithPassword(t.db, manager.email, 'labqc-demo')).toBeNull();
    await setLabActive(t.db, t.regulators.gd, { code: 'GZ-006', active: true, reason: 'split again' });
    expect((await me(token)).status).toBe(200);
  });
});

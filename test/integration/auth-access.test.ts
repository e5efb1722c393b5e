// Access ends at once: sign-in is audited, API tokens authenticate until revoked, and deactivated
// accounts (or labs) lose sign-in, sessions and tokens immediately.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeededTestDb, type TestDb } from '../support/db';
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
const idOf = (email: string) => findActorRowByEmail(t.db, email)!.id;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'ok';
}

/** What GET /api/v1/me answers for a bearer token: the same resolution the route uses. */
function me(token: string) {
  const a = actorForApiToken(t.db, token);
  return a ? { status: 200, email: a.email, role: a.role, labCode: a.labCode } : { status: 401 };
}

beforeAll(() => {
  t = createSeededTestDb();
});
afterAll(() => t.close());

describe('sign-in is audited', () => {
  it('a successful sign-in writes auth.sign_in at once, with the client address', async () => {
    expect(await signInWithPassword(t.db, 'lab1@demo.labqc', 'labqc-demo', '203.0.113.9')).not.toBeNull();
    const [entry] = listAudit(t.db, { limit: 1 });
    expect(entry).toMatchObject({ action: 'auth.sign_in', actorEmail: 'lab1@demo.labqc', ip: '203.0.113.9' });
  });

  it.each([
    ['a wrong password', 'lab1@demo.labqc', 'wrong-password', 'lab1@demo.labqc', 'wrong_password'],
    ['an unknown email', 'nobody@demo.labqc', 'labqc-demo', null, 'unknown_email'],
  ])('signing in with %s is counted, then audited as one row when the window ends', async (_case, email, password, actorEmail, reason) => {
    const now = Date.now();
    const failedRows = () => listAudit(t.db, { action: 'auth.sign_in_failed' }).filter((r) => (r.details as { key: string }).key !== 'address');
    const before = failedRows().length;
    expect(await signInWithPassword(t.db, email, password, '203.0.113.9')).toBeNull();
    expect(failedRows()).toHaveLength(before);
    flushEndedWindows(t.db, now + WINDOW_MS + 1);
    expect(failedRows()).toHaveLength(before + 1);
    expect(failedRows()[0]).toMatchObject({ actorEmail, details: { failures: 1, reason } });
  });
});

describe('API tokens', () => {
  let token: string;
  let tokenId: number;

  it('a lab manager creates a token: shown once, only its SHA-256 stored, audited', () => {
    const created = createApiToken(t.db, t.labManagers.get('GZ-001')!, { name: 'LIS 主机', scopes: ['iqc:write', 'read'] });
    token = created.token;
    tokenId = created.id;
    expect(token.startsWith(created.prefix)).toBe(true);
    const row = t.db.select().from(apiTokens).all().find((r) => r.id === tokenId)!;
    expect(row.tokenHash).toBe(hashApiToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const entry = listAudit(t.db, { action: 'apiToken.create' })[0];
    expect(entry).toMatchObject({ entityId: String(tokenId), labId: t.labManagers.get('GZ-001')!.labId });
    expect(JSON.stringify(entry.details)).not.toContain(token);
  });

  it('the token authenticates as its lab (what GET /api/v1/me answers) and records its last use', () => {
    expect(me(token)).toEqual({ status: 200, email: 'lab1@demo.labqc', role: 'lab_manager', labCode: 'GZ-001' });
    expect(listTokensOfLab(t.db, t.labManagers.get('GZ-001')!.labId!)[0].lastUsedAt).not.toBeNull();
  });

  it.each([
    ['an unknown token', 'lqc_not-a-real-token'],
    ['an empty string', ''],
  ])('%s is refused', (_case, bad) => {
    expect(me(bad)).toEqual({ status: 401 });
  });

  it.each([
    ['a manager of another lab', () => t.labManagers.get('GZ-003')!, 'not_found'],
    ['a regulator', () => t.regulators.gd, 'forbidden'],
    ['the admin', () => t.admin, 'forbidden'],
  ])('%s cannot revoke it', (_who, actor, code) => {
    expect(codeOf(() => revokeApiToken(t.db, actor(), { id: tokenId }))).toBe(code);
    expect(me(token).status).toBe(200);
  });

  it.each([
    ['a regulator', () => t.regulators.gd],
    ['the admin', () => t.admin],
  ])('%s cannot create tokens', (_who, actor) => {
    expect(codeOf(() => createApiToken(t.db, actor(), { name: 'x' }))).toBe('forbidden');
  });

  it('a token cannot mint another token', () => {
    const viaToken = actorForApiToken(t.db, token)!;
    expect(codeOf(() => createApiToken(t.db, viaToken, { name: 'child' }))).toBe('forbidden');
  });

  it('a revoked token is refused at once; the revocation is audited', () => {
    revokeApiToken(t.db, t.labManagers.get('GZ-001')!, { id: tokenId });
    expect(me(token)).toEqual({ status: 401 });
    expect(listTokensOfLab(t.db, t.labManagers.get('GZ-001')!.labId!)[0].revokedAt).not.toBeNull();
    expect(listAudit(t.db, { action: 'apiToken.revoke' })[0]).toMatchObject({ entityId: String(tokenId), actorId: t.labManagers.get('GZ-001')!.userId });
  });
});

describe('deactivated accounts lose access at once', () => {
  it('sign-in, the session and API tokens of a deactivated lab manager all stop working', async () => {
    const manager = t.labManagers.get('GZ-005')!;
    const { token } = createApiToken(t.db, manager, { name: 'LIS', scopes: ['read'] });
    expect(me(token).status).toBe(200);
    setUserActive(t.db, t.regulators.gd, { id: manager.userId, active: false, reason: 'left the laboratory' });
    expect(await signInWithPassword(t.db, manager.email, 'labqc-demo')).toBeNull();
    flushEndedWindows(t.db, Date.now() + WINDOW_MS + 1);
    expect(listAudit(t.db, { action: 'auth.sign_in_failed' }).find((r) => r.actorId === manager.userId)).toMatchObject({ details: { reason: 'inactive' } });
    expect(actorForUserId(t.db, manager.userId)).toBeNull();
    expect(me(token)).toEqual({ status: 401 });
    // the token was revoked with the account, so reactivating does not revive it
    setUserActive(t.db, t.regulators.gd, { id: manager.userId, active: true, reason: 'back' });
    expect(actorForUserId(t.db, manager.userId)).not.toBeNull();
    expect(me(token)).toEqual({ status: 401 });
  });

  it('a deactivated regulator cannot sign in and their session resolves to no one', async () => {
    const id = idOf('regulator.sz@demo.labqc');
    setUserActive(t.db, t.admin, { id, active: false, reason: 'retired' });
    expect(await signInWithPassword(t.db, 'regulator.sz@demo.labqc', 'labqc-demo')).toBeNull();
    expect(actorForUserId(t.db, id)).toBeNull();
  });

  it('the managers and tokens of a deactivated lab stop working until it is reactivated', async () => {
    const manager = t.labManagers.get('GZ-006')!;
    const { token } = createApiToken(t.db, manager, { name: 'LIS', scopes: ['read'] });
    setLabActive(t.db, t.regulators.gd, { code: 'GZ-006', active: false, reason: 'merged' });
    expect(me(token).status).toBe(401);
    expect(await signInWithPassword(t.db, manager.email, 'labqc-demo')).toBeNull();
    setLabActive(t.db, t.regulators.gd, { code: 'GZ-006', active: true, reason: 'split again' });
    expect(me(token).status).toBe(200);
  });
});

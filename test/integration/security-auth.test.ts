// Issue 10, sign-in and access: the rate limit (10 failures in 15 minutes per account and per client
// address, persisted), aggregated audit rows, equal work for unknown emails, legacy bcrypt hashes
// upgraded, same-origin redirects, password change and reset ending other sessions, temporary
// passwords, token scopes and expiry, and the client address behind TRUSTED_PROXIES.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { eq } from 'drizzle-orm';
import { createSeededTestDb, type TestDb, sqlRun, reopenTestDb, testBackend } from '../support/db';
import { countingStatements } from '../support/statements';
import type { Actor } from '@/lib/auth/core';
import { users, apiTokens, auditLog } from '@/db/schema';
import { findActorRowByEmail } from '@/db/queries/actors';
import { listAudit } from '@/db/queries/audit';
import { actorForApiToken, actorForUserId, authenticate, signInRetryAt, signInWithPassword } from '@/lib/auth/resolve';
import { addressKey, flushEndedWindows, MAX_FAILURES, RETRY_MS, WINDOW_MS } from '@/lib/auth/throttle';
import { safeNextPath } from '@/lib/auth/redirect';
import { clientOf, dropUntrustedForwarding, parseTrustedProxies } from '@/lib/auth/client-address';
import { tokenScopeFor } from '@/lib/auth/token-scopes';
import { commonSecurityHeaders, pageCsp } from '@/lib/server/headers';
import { changeOwnPassword, createLabManager, resetPassword, setUserActive } from '@/lib/services/users';
import { createApiToken, revokeApiToken } from '@/lib/services/tokens';
import { AppError } from '@/lib/errors';
import { first } from '@/db/dialect';

let t: TestDb & { admin: Actor; regulators: Record<'gd' | 'sz' | 'zj', Actor>; labManagers: Map<string, Actor> };

const row = async (email: string) => (await findActorRowByEmail(t.db, email))!;
let n = 0;
/** A fresh documentation address (RFC 5737) per call, so tests do not share an address's count. */
const freshAddress = () => `198.51.100.${++n}`;

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
  return 'ok';
}

beforeAll(async () => {
  t = await createSeededTestDb();
});
afterAll(() => t.close());

describe('an unknown email costs the same work as a known one (no account enumeration by timing)', () => {
  it('median time of a wrong password for an existing account vs. for an unknown email', async () => {
    // hashes at today's cost (2^14 here, seeded accounts use the tests' 2^10): the dummy hash of
    // unknown emails is made at the same cost
    process.env.LABQC_SCRYPT_LOG_N = '14';
    try {
      const { user, temporaryPassword } = await createLabManager(t.db, t.regulators.gd, { email: 'timing.gz-010@test.cn', name: 'T', labCode: 'GZ-010' });
      expect(temporaryPassword).toBeTruthy();
      const median = async (email: string) => {
        const times: number[] = [];
        for (let i = 0; i < 5; i++) {
          const start = performance.now();
          await authenticate(t.db, { email, password: 'not-the-password', address: freshAddress() });
          times.push(performance.now() - start);
        }
        return times.sort((a, b) => a - b)[2];
      };
      await median('warm-up@test.cn');
      const known = await median(user.email);
      const unknown = await median('nobody-at-all@test.cn');
      // before: an unknown email answered without hashing (~0 ms against ~45 ms)
      expect(unknown).toBeGreaterThan(known * 0.5);
      expect(unknown).toBeLessThan(known * 2);
    } finally {
      delete process.env.LABQC_SCRYPT_LOG_N;
    }
  });
});

describe('rate limit: 10 failures in 15 minutes per account and per address', () => {
  it(`after ${MAX_FAILURES} failures the account is refused with a retry time, even with the right password`, async () => {
    const now = Date.now();
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(await authenticate(t.db, { email: 'lab2@demo.labqc', password: 'wrong', address: freshAddress() }, now + i)).toEqual({ ok: false, reason: 'invalid' });
    }
    const refused = await authenticate(t.db, { email: 'lab2@demo.labqc', password: 'labqc-demo', address: freshAddress() }, now + 20);
    expect(refused).toEqual({ ok: false, reason: 'rate_limited', retryAt: now + MAX_FAILURES - 1 + RETRY_MS });
    // another account is not affected
    expect((await authenticate(t.db, { email: 'lab1@demo.labqc', password: 'labqc-demo', address: freshAddress() }, now + 21)).ok).toBe(true);
  });

  it('the lock survives a restart (a new connection to the same file) and ends after its time', async () => {
    const second = await reopenTestDb(t);
    const reopened = second.db;
    try {
      const later = Date.now() + 60_000;
      expect(await signInRetryAt(reopened, 'lab2@demo.labqc', freshAddress(), later)).toBeGreaterThan(later);
      const r = await authenticate(reopened, { email: 'lab2@demo.labqc', password: 'labqc-demo', address: freshAddress() }, later);
      expect(r).toMatchObject({ ok: false, reason: 'rate_limited' });
      const after = Date.now() + RETRY_MS + WINDOW_MS;
      expect((await authenticate(reopened, { email: 'lab2@demo.labqc', password: 'labqc-demo', address: freshAddress() }, after)).ok).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('one address trying many accounts is refused after 10 failures; another address is not', async () => {
    const attacker = freshAddress();
    const now = Date.now() + 3 * WINDOW_MS;
    for (let i = 0; i < MAX_FAILURES; i++) await authenticate(t.db, { email: `guess${i}@test.cn`, password: 'x', address: attacker }, now);
    expect(await authenticate(t.db, { email: 'hospital@demo.labqc', password: 'labqc-demo', address: attacker }, now + 1)).toMatchObject({ reason: 'rate_limited' });
    expect((await authenticate(t.db, { email: 'hospital@demo.labqc', password: 'labqc-demo', address: freshAddress() }, now + 1)).ok).toBe(true);
  });

  it(`attempts sent at once check at most ${MAX_FAILURES} passwords of an account (on PostgreSQL they overlap on separate connections)`, async () => {
    const now = Date.now() + 9 * WINDOW_MS;
    const outcomes = await Promise.all(Array.from({ length: 40 }, () =>
      authenticate(t.db, { email: 'regulator.sz@demo.labqc', password: 'wrong', address: freshAddress() }, now)));
    expect(outcomes.filter((o) => !o.ok && o.reason === 'invalid')).toHaveLength(MAX_FAILURES);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'rate_limited')).toHaveLength(40 - MAX_FAILURES);
    expect(await signInRetryAt(t.db, 'regulator.sz@demo.labqc', freshAddress(), now + 1)).toBeGreaterThan(now);
  });

  it('failures are audited as one row per account and window with their count; the lock once; the typed email never', async () => {
    const now = Date.now() + 6 * WINDOW_MS;
    await flushEndedWindows(t.db, now); // earlier tests' windows
    const before = (await t.db.select().from(auditLog)).length;
    const address = freshAddress();
    for (let i = 0; i < 3; i++) await authenticate(t.db, { email: 'regulator.zj@demo.labqc', password: 'wrong', address }, now + i);
    for (let i = 0; i < 12; i++) await authenticate(t.db, { email: 'Attacker-Chosen-Text@evil.example', password: 'x', address: freshAddress() }, now + i);
    expect((await t.db.select().from(auditLog)).length).toBe(before + 1); // only the unknown email's lock so far
    await flushEndedWindows(t.db, now + WINDOW_MS + RETRY_MS + 1);
    const rows = (await t.db.select().from(auditLog).orderBy(auditLog.id)).slice(before);
    const zjId = (await row('regulator.zj@demo.labqc')).id;
    const account = rows.filter((r) => r.action === 'auth.sign_in_failed' && r.actorId === zjId);
    expect(account).toHaveLength(1);
    expect(account[0]).toMatchObject({ actorEmail: 'regulator.zj@demo.labqc', details: { failures: 3, reason: 'wrong_password', key: 'account' } });
    const unknown = rows.filter((r) => (r.details as { key?: string } | null)?.key === 'unknown_email');
    expect(unknown.map((r) => [r.action, (r.details as { failures: number }).failures])).toEqual([
      ['auth.sign_in_locked', MAX_FAILURES],
      ['auth.sign_in_failed', MAX_FAILURES],
    ]);
    expect((unknown[1].details as { refused: number }).refused).toBe(2);
    expect(JSON.stringify(rows).toLowerCase()).not.toContain('attacker-chosen-text');
  });

  it.each([
    ['203.0.113.9', 'a:203.0.113.9'],
    ['2001:db8:1:2:3:4:5:6', 'a:2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', 'a:2001:db8:1:2::/64'],
    [null, 'a:unknown'],
  ])('client address %s is counted as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('passwords', () => {
  it('a legacy bcrypt hash still signs in and is replaced by scrypt', async () => {
    const id = (await row('manager.gz-002@demo.labqc')).id;
    await t.db.update(users).set({ passwordHash: bcrypt.hashSync('legacy-password-1', 4) }).where(eq(users.id, id));
    expect(await signInWithPassword(t.db, 'manager.gz-002@demo.labqc', 'legacy-password-1', freshAddress())).not.toBeNull();
    expect((await row('manager.gz-002@demo.labqc')).passwordHash).toMatch(/^scrypt\$/);
    expect(await signInWithPassword(t.db, 'manager.gz-002@demo.labqc', 'legacy-password-1', freshAddress())).not.toBeNull();
  });

  it('a new account and a reset give a temporary password that must be changed; demo accounts need no change', async () => {
    const { user, temporaryPassword } = await createLabManager(t.db, t.regulators.gd, { email: 'new.gz-004@test.cn', name: 'N', labCode: 'GZ-004' });
    expect(await authenticate(t.db, { email: user.email, password: temporaryPassword, address: freshAddress() })).toMatchObject({ ok: true, mustChangePassword: true });
    expect(await actorForUserId(t.db, user.id)).toMatchObject({ mustChangePassword: true });
    expect(await authenticate(t.db, { email: 'lab1@demo.labqc', password: 'labqc-demo', address: freshAddress() })).toMatchObject({ ok: true, mustChangePassword: false });
  });

  it('a reset ends the sessions signed before it, requires a change, keeps tokens and says so in the audit log', async () => {
    const manager = t.labManagers.get('GZ-007')!;
    const { token } = await createApiToken(t.db, manager, { name: 'LIS', scopes: ['iqc:write'] });
    const signedIn = await authenticate(t.db, { email: manager.email, password: 'labqc-demo', address: freshAddress() });
    if (!signedIn.ok) throw new Error('demo sign-in failed');
    expect(await actorForUserId(t.db, manager.userId, signedIn.sessionVersion)).not.toBeNull();
    const { temporaryPassword } = await resetPassword(t.db, t.regulators.gd, { id: manager.userId });
    expect(await actorForUserId(t.db, manager.userId, signedIn.sessionVersion)).toBeNull();
    expect(await actorForApiToken(t.db, token)).not.toBeNull();
    expect((await listAudit(t.db, { action: 'user.reset_password' }))[0]).toMatchObject({
      actorId: t.regulators.gd.userId,
      entityId: String(manager.userId),
      details: { sessionsEnded: true, mustChangePassword: true, tokensKept: 1 },
    });
    const next = await authenticate(t.db, { email: manager.email, password: temporaryPassword, address: freshAddress() });
    expect(next).toMatchObject({ ok: true, mustChangePassword: true, sessionVersion: signedIn.sessionVersion + 1 });
  });

  it('a self-service change needs the current password, refuses weak ones, ends the other sessions and clears the flag', async () => {
    const { user, temporaryPassword } = await createLabManager(t.db, t.regulators.gd, { email: 'change.gz-008@test.cn', name: 'C', labCode: 'GZ-008' });
    const first = await authenticate(t.db, { email: user.email, password: temporaryPassword, address: freshAddress() });
    if (!first.ok) throw new Error('sign-in failed');
    const actor = first.actor;
    const change = (currentPassword: string, newPassword: string, confirmPassword = newPassword) => changeOwnPassword(t.db, actor, { currentPassword, newPassword, confirmPassword });
    expect(await codeOf(() => change('wrong', 'a-long-enough-passphrase'))).toBe('invalid');
    expect(await codeOf(() => change(temporaryPassword, 'short'))).toBe('invalid');
    expect(await codeOf(() => change(temporaryPassword, 'a-long-enough-passphrase', 'a-different-passphrase'))).toBe('invalid');
    expect(await codeOf(() => change(temporaryPassword, 'change.gz-008-secret'))).toBe('invalid');
    const { sessionVersion } = await change(temporaryPassword, 'a-long-enough-passphrase');
    expect(sessionVersion).toBe(first.sessionVersion + 1);
    expect(await actorForUserId(t.db, user.id, first.sessionVersion)).toBeNull();
    expect(await actorForUserId(t.db, user.id, sessionVersion)).not.toBeNull();
    expect((await actorForUserId(t.db, user.id))?.mustChangePassword).toBeUndefined();
    expect(await signInWithPassword(t.db, user.email, temporaryPassword, freshAddress())).toBeNull();
    expect(await signInWithPassword(t.db, user.email, 'a-long-enough-passphrase', freshAddress())).not.toBeNull();
    expect((await listAudit(t.db, { action: 'user.change_password' }))[0]).toMatchObject({ actorId: user.id, entityId: String(user.id), details: { otherSessionsEnded: true } });
  });

  it(`the current password of a change is guessed at most ${MAX_FAILURES} times in 15 minutes, counted and audited as sign-in failures of the account`, async () => {
    const { user, temporaryPassword } = await createLabManager(t.db, t.regulators.gd, { email: 'guess.gz-007@test.cn', name: 'G', labCode: 'GZ-007' });
    const signedIn = await authenticate(t.db, { email: user.email, password: temporaryPassword, address: freshAddress() });
    if (!signedIn.ok) throw new Error('sign-in failed');
    const now = Date.now();
    const change = (currentPassword: string, at: number) => changeOwnPassword(t.db, signedIn.actor, { currentPassword, newPassword: 'a-long-enough-passphrase', confirmPassword: 'a-long-enough-passphrase' }, at, { address: freshAddress() });
    for (let i = 0; i < MAX_FAILURES; i++) await expect(change(`guess-${i}`, now + i)).rejects.toMatchObject({ code: 'invalid', errors: [{ code: 'password.wrongCurrent' }] });
    // the eleventh is refused unchecked, even the right one; so is a sign-in of the account
    await expect(change(temporaryPassword, now + 20)).rejects.toMatchObject({ reason: 'password.tooManyAttempts', code: 'too_many' });
    expect(await authenticate(t.db, { email: user.email, password: temporaryPassword, address: freshAddress() }, now + 21)).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(await listAudit(t.db, { action: 'auth.sign_in_locked' })).toContainEqual(expect.objectContaining({ actorId: user.id, details: expect.objectContaining({ key: 'account', failures: MAX_FAILURES }) }));
    // after the lock, the right one changes it
    const later = now + RETRY_MS + WINDOW_MS + 1;
    await expect(change(temporaryPassword, later)).resolves.toMatchObject({ sessionVersion: expect.any(Number) });
  });

  it('a token cannot change its creator’s password', async () => {
    const { token } = await createApiToken(t.db, t.labManagers.get('GZ-009')!, { name: 'LIS', scopes: ['read'] });
    const viaToken = (await actorForApiToken(t.db, token))!;
    expect(await codeOf(() => changeOwnPassword(t.db, viaToken, { currentPassword: 'labqc-demo', newPassword: 'a-long-enough-passphrase', confirmPassword: 'a-long-enough-passphrase' }))).toBe('forbidden');
  });
});

describe('redirect after sign-in: same-origin paths only', () => {
  it.each([
    ['/%5Cevil.example', '/%5Cevil.example'],
    ['/\\evil.example', null],
    ['//evil.example', null],
    ['https://evil.example', null],
    ['/\\/evil.example', null],
    ['\t//evil.example', null],
    ['javascript:alert(1)', null],
    ['http://labqc.invalid.evil.example/', null],
    ['/lab/iqc?analyte=K#chart', '/lab/iqc?analyte=K#chart'],
    ['/regulator', '/regulator'],
    ['', null],
  ])('next=%j → %j', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it('with PUBLIC_URL, an absolute URL on that origin is reduced to its path', () => {
    expect(safeNextPath('https://labqc.example.gov.cn/lab?x=1', 'https://labqc.example.gov.cn')).toBe('/lab?x=1');
    expect(safeNextPath('https://evil.example/lab', 'https://labqc.example.gov.cn')).toBeNull();
  });
});

describe('API tokens: scopes, expiry, machine endpoints only', () => {
  it.each([
    ['GET', '/api/v1/iqc/lots', 'read'],
    ['POST', '/api/v1/iqc/results', 'iqc:write'],
    ['POST', '/api/v1/iqc/lots', 'iqc:write'],
    ['POST', '/api/v1/eqa/rounds/R-2026-1/submissions', 'eqa:submit'],
    ['POST', '/api/v1/eqa/rounds/R-2026-1/evaluate', null],
    ['GET', '/lab', null],
    ['POST', '/lab/iqc/enter', null],
  ])('%s %s needs %s', (method, path, scope) => {
    expect(tokenScopeFor(method, path)).toBe(scope);
  });

  it('scopes and expiry are stored; an expired token is refused (401)', async () => {
    const manager = t.labManagers.get('GZ-001')!;
    const created = await createApiToken(t.db, manager, { name: 'short', scopes: ['eqa:submit'], expiresInDays: '1' });
    expect(created.scopes).toEqual(['eqa:submit']);
    expect(created.expiresAt! - Date.now()).toBeGreaterThan(86_399_000);
    expect((await actorForApiToken(t.db, created.token))?.token).toEqual({ id: created.id, scopes: ['eqa:submit'] });
    expect(await actorForApiToken(t.db, created.token, created.expiresAt! + 1)).toBeNull();
  });

  it('a token is resolved to its creator in one read, with the same lab and jurisdiction as their session; revoked, or its creator or lab inactive, it is refused', async () => {
    const manager = t.labManagers.get('GZ-003')!;
    const created = await createApiToken(t.db, manager, { name: 'one read', scopes: ['read'] });
    // used a moment ago: no "last used" write either
    await sqlRun(t.db, 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?', Date.now(), created.id);
    const statements: string[] = [];
    const viaToken = await countingStatements(t.db, statements, () => actorForApiToken(t.db, created.token));
    expect(statements).toHaveLength(1);
    const { via: _session, ...session } = (await actorForUserId(t.db, manager.userId))!;
    expect(viaToken).toEqual({ ...session, via: 'token', token: { id: created.id, scopes: ['read'] } });
    await revokeApiToken(t.db, manager, { id: created.id });
    expect(await actorForApiToken(t.db, created.token)).toBeNull();
    // deactivating the creator revokes their tokens; a token left live (written outside the app)
    // is refused all the same, and its lab's deactivation too
    const other = await createApiToken(t.db, manager, { name: 'deactivated', scopes: ['read'] });
    const flag = (on: boolean) => (testBackend === 'pg' ? String(on) : on ? '1' : '0');
    for (const table of ['users', 'laboratories'] as const) {
      const id = table === 'users' ? manager.userId : manager.labId;
      await sqlRun(t.db, `UPDATE ${table} SET active = ${flag(false)} WHERE id = ?`, id);
      try {
        expect(await actorForApiToken(t.db, other.token)).toBeNull();
      } finally {
        await sqlRun(t.db, `UPDATE ${table} SET active = ${flag(true)} WHERE id = ?`, id);
      }
    }
    expect(await actorForApiToken(t.db, other.token)).not.toBeNull();
    await setUserActive(t.db, t.admin, { id: manager.userId, active: false, reason: 'left' });
    await setUserActive(t.db, t.admin, { id: manager.userId, active: true, reason: 'back' });
    expect(await actorForApiToken(t.db, other.token)).toBeNull();
  });

  it('a token needs at least one known scope', async () => {
    const manager = t.labManagers.get('GZ-001')!;
    expect(await codeOf(async () => await createApiToken(t.db, manager, { name: 'none' }))).toBe('invalid');
    expect(await codeOf(async () => await createApiToken(t.db, manager, { name: 'bad', scopes: ['admin'] }))).toBe('invalid');
  });

  it('tokens created before scopes existed keep all three', async () => {
    await sqlRun(t.db, "insert into api_tokens (lab_id, user_id, name, prefix, token_hash, created_at) values (?, ?, 'old', 'lqc_old', 'h', 0)", t.labManagers.get('GZ-001')!.labId, t.labManagers.get('GZ-001')!.userId);
    const old = first(await t.db.select().from(apiTokens).where(eq(apiTokens.name, 'old')).limit(1))!;
    expect(old.scopes).toEqual(['read', 'iqc:write', 'eqa:submit']);
    expect(old.expiresAt).toBeNull();
  });
});

describe('client address and HTTPS behind TRUSTED_PROXIES', () => {
  const proxies = parseTrustedProxies('10.0.0.0/8, 2001:db8::1');
  it.each([
    ['a direct client: X-Forwarded-For ignored', '203.0.113.5', '198.51.100.1', 'https', '203.0.113.5', false],
    ['behind a trusted proxy: the client it saw', '10.1.2.3', '198.51.100.1', 'https', '198.51.100.1', true],
    ['a forged left-most entry is skipped', '10.1.2.3', '6.6.6.6, 198.51.100.1', 'http', '198.51.100.1', false],
    ['chained trusted proxies', '10.1.2.3', '198.51.100.1, 10.9.9.9', undefined, '198.51.100.1', false],
    ['an IPv4 client on a dual-stack socket', '::ffff:203.0.113.5', '198.51.100.1', undefined, '203.0.113.5', false],
    ['a trusted IPv6 proxy', '2001:db8::1', '198.51.100.7', undefined, '198.51.100.7', false],
  ])('%s', (_case, peer, xff, proto, address, https) => {
    expect(clientOf({ remoteAddress: peer }, { 'x-forwarded-for': xff, 'x-forwarded-proto': proto }, proxies)).toEqual({ address, https });
  });

  it("a client's own X-Forwarded-Host, -Proto, -Port and Forwarded are dropped (Next and next-auth build URLs from them); a trusted proxy's are kept", () => {
    const sent = () => ({ host: 'labqc.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-port': '443', forwarded: 'host=evil.example', 'x-forwarded-for': '198.51.100.1' });
    const direct: Record<string, string> = sent();
    dropUntrustedForwarding({ remoteAddress: '203.0.113.5' }, direct, proxies);
    expect(direct).toEqual({ host: 'labqc.example', 'x-forwarded-for': '198.51.100.1' });
    const proxied: Record<string, string> = sent();
    dropUntrustedForwarding({ remoteAddress: '10.1.2.3' }, proxied, proxies);
    expect(proxied).toEqual(sent());
    const unknownPeer: Record<string, string> = sent();
    dropUntrustedForwarding({}, unknownPeer, proxies);
    expect(unknownPeer['x-forwarded-host']).toBeUndefined();
  });

  it('a malformed TRUSTED_PROXIES stops the server from starting', () => {
    expect(() => parseTrustedProxies('10.0.0.0/8, proxy.internal')).toThrow(/TRUSTED_PROXIES/);
  });
});

describe('security headers', () => {
  it('HSTS only over HTTPS; the page policy forbids framing and scripts without the nonce', () => {
    expect(commonSecurityHeaders(false)['Strict-Transport-Security']).toBeUndefined();
    expect(commonSecurityHeaders(true)['Strict-Transport-Security']).toBe('max-age=31536000; includeSubDomains');
    const csp = pageCsp('abc', { dev: false, https: false });
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
  });
});

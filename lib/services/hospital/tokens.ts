// API tokens of a hospital's (or a regulator platform's) systems: tokens without a lab, holding
// `verify` (POST /api/v1/verify and FHIR $verify-recognition, resolving the account's local codes)
// and optionally `read`. Shown once at creation; only the SHA-256 is stored (lib/auth/tokens.ts).
import { z } from 'zod';
import type { DB } from '@/db/client';
import { HOSPITAL_TOKEN_SCOPES } from '@/db/enums';
import { insertAudit } from '@/db/queries/audit';
import { insertOwnerToken, listTokensOfOwner } from '@/db/queries/hospital';
import { findTokenById, revokeToken } from '@/db/queries/tokens';
import type { Actor } from '@/lib/auth/core';
import { generateApiToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors';
import { tokenExpiryField } from '@/lib/validation/auth';
import { zodFieldErrors } from '@/lib/validation/errors';
import { ownerAudit, requireOwner } from './access';
import { withTx } from '@/db/tx';

const tokenInput = z.object({
  name: z.string().trim().min(1, 'Give the token a name').max(80),
  scopes: z.preprocess((v) => (v === undefined || v === null || v === '' ? ['verify'] : Array.isArray(v) ? v : [v]), z.array(z.enum(HOSPITAL_TOKEN_SCOPES)).min(1)),
  expiresInDays: tokenExpiryField,
});

export async function createHospitalToken(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'verifyToken.manage');
  const p = tokenInput.safeParse(input);
  if (!p.success) throw AppError.invalid('Invalid token', zodFieldErrors(p.error));
  const scopes = [...new Set(['verify' as const, ...p.data.scopes])];
  const { token, prefix, hash } = generateApiToken();
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const expiresAt = p.data.expiresInDays ? now + p.data.expiresInDays * 86_400_000 : null;
    const row = await insertOwnerToken(tx, { userId: ownerId, name: p.data.name, prefix, tokenHash: hash, scopes, expiresAt }, now);
    await insertAudit(tx, { ...ownerAudit(actor), action: 'apiToken.create', entityType: 'api_token', entityId: row.id, details: { name: p.data.name, prefix, scopes, expiresAt }, at: now });
    return { id: row.id, name: p.data.name, prefix, token, scopes, expiresAt };
  });
}

export async function revokeHospitalToken(db: DB, actor: Actor, input: unknown, opts: { now?: number } = {}) {
  const ownerId = requireOwner(actor, 'verifyToken.manage');
  const id = z.coerce.number().int().positive().safeParse((input as { id?: unknown })?.id);
  if (!id.success) throw new AppError('token.notFound');
  const now = opts.now ?? Date.now();
  return await withTx(db, async (tx) => {
    const t = await findTokenById(tx, id.data);
    // another account's token (or a lab's) is reported as unknown
    if (!t || t.userId !== ownerId || t.labId !== null) throw new AppError('token.notFound');
    if (t.revokedAt) return { id: t.id, revoked: false };
    await revokeToken(tx, t.id, now);
    await insertAudit(tx, { ...ownerAudit(actor), action: 'apiToken.revoke', entityType: 'api_token', entityId: t.id, details: { name: t.name, prefix: t.prefix }, at: now });
    return { id: t.id, revoked: true };
  });
}

export async function hospitalTokens(db: DB, actor: Actor) {
  return await listTokensOfOwner(db, requireOwner(actor, 'verifyToken.manage'));
}

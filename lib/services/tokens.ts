// API tokens for a lab's LIS or middleware. The token is returned once at creation; only its
// SHA-256 is stored. A token acts as its creator, restricted to the creator's lab, and stops
// working when revoked, when it expires, when its creator is deactivated or when the lab is
// deactivated. It is accepted only by the machine API (/api/v1), within its scopes (lib/http.ts).
import type { DB } from '@/db/client';
import { findLabScope } from '@/db/queries/labs';
import { findTokenById, insertToken, revokeToken } from '@/db/queries/tokens';
import { insertAudit } from '@/db/queries/audit';
import { can, scopeOf, type Actor } from '@/lib/auth/core';
import { generateApiToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors';
import { apiTokenIdInput, apiTokenInput } from '@/lib/validation/admin';
import { zodFieldErrors } from '@/lib/validation/errors';
import { withTx } from '@/db/tx';

async function requireOwnLab(db: DB, actor: Actor) {
  const own = scopeOf(actor);
  if (!can(actor, 'apiToken.manage') || own.kind !== 'lab') throw new AppError('token.managerOnly');
  // a token cannot mint or revoke tokens: that needs a person signed in
  if (actor.via === 'token') throw new AppError('token.viaToken');
  const scope = await findLabScope(db, own.labId);
  if (!scope || !can(actor, 'apiToken.manage', scope)) throw new AppError('auth.forbidden');
  return scope;
}

/** Create a token for the actor's lab with the scopes it needs (`iqc:write`, `eqa:submit`, `read`)
 * and an optional lifetime in days. Returns the token itself: show it once, it cannot be read again. */
export async function createApiToken(db: DB, actor: Actor, input: unknown) {
  const scope = await requireOwnLab(db, actor);
  const parsed = apiTokenInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid token', zodFieldErrors(parsed.error));
  const { name, scopes, expiresInDays } = parsed.data;
  const { token, prefix, hash } = generateApiToken();
  return await withTx(db, async (tx) => {
    const now = Date.now();
    const expiresAt = expiresInDays ? now + expiresInDays * 86_400_000 : null;
    const row = await insertToken(tx, { labId: scope.labId, userId: actor.userId, name, prefix, tokenHash: hash, scopes, expiresAt }, now);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'apiToken.create',
      entityType: 'api_token',
      entityId: row.id,
      labId: scope.labId,
      details: { name, prefix, scopes, expiresAt },
      at: now,
    });
    return { id: row.id, name, prefix, token, scopes, expiresAt };
  });
}

/** Revoke a token of the actor's lab (any manager of the lab may revoke any of its tokens). */
export async function revokeApiToken(db: DB, actor: Actor, input: unknown) {
  const lab = await requireOwnLab(db, actor);
  const parsed = apiTokenIdInput.safeParse(input);
  if (!parsed.success) throw AppError.invalid('Invalid request', zodFieldErrors(parsed.error));
  return await withTx(db, async (tx) => {
    const t = await findTokenById(tx, parsed.data.id);
    // another lab's token is reported as unknown: ids of other labs' tokens are not confirmed
    if (!t || t.labId !== lab.labId) throw new AppError('token.notFound');
    if (t.revokedAt) return { id: t.id, revoked: false };
    const now = Date.now();
    await revokeToken(tx, t.id, now);
    await insertAudit(tx, {
      actorId: actor.userId,
      actorEmail: actor.email,
      action: 'apiToken.revoke',
      entityType: 'api_token',
      entityId: t.id,
      labId: t.labId,
      details: { name: t.name, prefix: t.prefix },
      at: now,
    });
    return { id: t.id, revoked: true };
  });
}

// Which scope an API token needs for each machine endpoint. One table, so a new write endpoint is
// closed to tokens until it is listed here: reads need `read`, each write its own scope.
import type { Conn, DB } from '@/db/client';
import type { TokenScope } from '@/db/enums';
import { insertAudit } from '@/db/queries/audit';
import { AppError } from '@/lib/errors';
import type { Actor } from './actor';
import { actorForApiToken } from './resolve';

const WRITES: readonly { method: string; path: RegExp; scope: TokenScope }[] = [
  { method: 'POST', path: /^\/api\/v1\/iqc\/results\/?$/, scope: 'iqc:write' },
  { method: 'POST', path: /^\/api\/v1\/iqc\/lots\/?$/, scope: 'iqc:write' },
  { method: 'PUT', path: /^\/api\/v1\/iqc\/settings\/?$/, scope: 'iqc:write' },
  { method: 'POST', path: /^\/api\/v1\/eqa\/rounds\/[^/]+\/submissions\/?$/, scope: 'eqa:submit' },
  // a batch of verification checks is a read sent as a body (a hospital token resolves its local codes):
  // `verify`, which a token holding `read` also holds (tokenHolds)
  { method: 'POST', path: /^\/api\/v1\/verify\/?$/, scope: 'verify' },
  // the FHIR form of the same batch (lib/fhir/verify-recognition.ts)
  { method: 'POST', path: /^\/fhir\/Observation\/\$verify-recognition\/?$/, scope: 'verify' },
];

/** The scope a token needs for `method pathname`, or null when no token may call it. */
export function tokenScopeFor(method: string, pathname: string): TokenScope | null {
  if (!pathname.startsWith('/api/v1/') && !pathname.startsWith('/fhir/')) return null;
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'read';
  return WRITES.find((w) => w.method === m && w.path.test(pathname))?.scope ?? null;
}

// What a token without a lab (a hospital's system, a regional platform's) may call: verification and
// the public reads. It acts for its account, and a regulator's account reads far more than a
// verification system should (IQC values, unpublished EQA results, eligibility).
const LABLESS_TOKEN_PATHS: readonly RegExp[] = [
  /^\/api\/v1\/(verify|analytes|labs|me|health)\/?$/,
  /^\/api\/v1\/labs\/[^/]+\/certifications\/?$/,
  /^\/fhir(\/|$)/,
];

/** Whether a token without a lab may call `pathname` at all (its scopes decide the rest). */
export function labLessTokenMay(pathname: string): boolean {
  return LABLESS_TOKEN_PATHS.some((p) => p.test(pathname));
}

/** Whether a token's scopes allow what `needed` names: its own scope, or `verify` for a `read` token
 * (a batch of checks is a read; a hospital system's token holds `verify` only). */
export function tokenHolds(scopes: readonly TokenScope[] | undefined, needed: TokenScope | null): boolean {
  if (!scopes || !needed) return false;
  return scopes.includes(needed) || (needed === 'verify' && scopes.includes('read'));
}

/** Audit a token's write request (reads are not: a LIS may poll), whatever its outcome. */
export async function auditTokenUse(db: Conn, actor: Actor, req: Request, status: number): Promise<void> {
  if (!actor.token || req.method === 'GET' || req.method === 'HEAD') return;
  await insertAudit(db, {
    actorId: actor.userId,
    actorEmail: actor.email,
    action: 'apiToken.use',
    entityType: 'api_token',
    entityId: actor.token.id,
    labId: actor.labId,
    details: { method: req.method, path: new URL(req.url).pathname.slice(0, 200), status },
  });
}

/** GET /api/v1/me: any valid token may ask whose it is (a LIS's write-only token checks its
 * credentials this way before it sends anything). It reads the token's own account only. */
function asksWhoItIs(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && /^\/api\/v1\/me\/?$/.test(new URL(req.url).pathname);
}

/**
 * The actor of a bearer token on a machine endpoint that needs `scope`: null (401) when the token is
 * unknown, revoked or expired; 403, audited, without the scope, or for a token without a lab outside
 * verification and the public reads.
 */
export async function tokenActor(db: DB, req: Request, bearer: string, scope: TokenScope | null): Promise<Actor | null> {
  const actor = await actorForApiToken(db, bearer);
  if (!actor) return null;
  if (!asksWhoItIs(req) && !tokenHolds(actor.token?.scopes, scope)) {
    await auditTokenUse(db, actor, req, 403);
    throw AppError.forbidden(scope ? `This token lacks the ${scope} scope` : 'API tokens cannot use this endpoint');
  }
  if (actor.labId === null && !labLessTokenMay(new URL(req.url).pathname)) {
    await auditTokenUse(db, actor, req, 403);
    throw AppError.forbidden('A verification token reads only verification and the public certification data');
  }
  return actor;
}

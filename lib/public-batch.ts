// `POST /api/v1/verify` inside Next (the production server answers anonymous batches on its fast
// path, lib/server/public-fast.ts; requests with credentials and the development server come here).
// Open to everyone; a signed-in hospital or regulator, or its API token (scope `read`), also gets its
// own local item codes resolved. Rate-limited per client address; the body is capped while it streams.
import { NextResponse } from 'next/server';
import { readBodyCapped } from './body';
import { clientAddressOf } from './auth/client-address';
import { tokenHolds, tokenScopeFor } from './auth/token-scopes';
import { crossSiteRefusal, errorResponse, jsonError } from './http';
import { batchRateLimited, carriesCredentials, MAX_BATCH_BODY_BYTES, publicVerifyBatchBytes } from './public-api';
import type { Actor } from './auth/actor';
import { actorForApiToken } from './auth/resolve';
import { getDb } from '@/db/client';
import { startJob } from './jobs';
import type { BatchOptions } from './services/recognition/verify-batch';

/** Roles whose account owns a local-code map (analyte_local_codes.owner_id). */
export const LOCAL_CODE_ROLES: readonly Actor['role'][] = ['hospital', 'regulator'];

/**
 * Who sent a batch, for its options: an API token (live, scope `read`), a signed-in session, or nobody
 * (anonymous). A hospital or regulator gets its local codes resolved, and its unmapped codes recorded
 * by a job worker. A refusal (401 bad token, 403 scope or cross-site) comes back as a Response.
 * Also used by the FHIR `$verify-recognition` operation (lib/fhir/route.ts).
 */
export async function batchCallerOptions(req: Request): Promise<BatchOptions | Response> {
  let owner: Actor | null = null;
  const authorization = req.headers.get('authorization');
  if (authorization !== null) {
    // an API token (resolved here without the session machinery): it must be live and hold `read`
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const actor = bearer ? await actorForApiToken(getDb(), bearer) : null;
    if (!actor) return jsonError(401, 'Invalid API token', undefined, 'auth.signInRequired');
    const scope = tokenScopeFor(req.method, new URL(req.url).pathname);
    if (!tokenHolds(actor.token?.scopes, scope)) return jsonError(403, `This token lacks the ${scope} scope`, undefined, 'auth.forbidden');
    if (LOCAL_CODE_ROLES.includes(actor.role)) owner = actor;
  } else if (carriesCredentials(null, req.headers.get('cookie'))) {
    const { currentActor } = await import('./auth');
    const actor = await currentActor(); // an expired session cookie: anonymous
    if (actor && !actor.mustChangePassword) {
      const refused = crossSiteRefusal(req);
      if (refused) return refused;
      if (LOCAL_CODE_ROLES.includes(actor.role)) owner = actor;
    }
  }
  const who = owner;
  return {
    ownerId: who?.userId ?? null,
    // a write: done by a job worker after the answer, never blocking this thread on SQLite's lock
    recordMisses: who ? (codes) => startJob('verify.recordMisses', who, { codes, at: Date.now() }, (m) => console.error('[labqc] recording unmapped local codes failed:', m)) : undefined,
  };
}

export async function verifyBatchRoute(req: Request): Promise<Response> {
  const limited = await batchRateLimited(clientAddressOf(req.headers));
  if (limited) return NextResponse.json(limited.answer.body, { status: 429, headers: { 'retry-after': String(limited.retryAfter), 'cache-control': 'no-store' } });
  try {
    const options = await batchCallerOptions(req);
    if (options instanceof Response) return options;
    const answer = await publicVerifyBatchBytes(await readBodyCapped(req, MAX_BATCH_BODY_BYTES), options);
    return new Response(answer.bytes ?? JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
  } catch (e) {
    return errorResponse(e);
  }
}

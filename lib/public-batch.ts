// `POST /api/v1/verify` inside Next (the production server answers anonymous batches on its fast
// path, lib/server/public-fast.ts; requests with credentials and the development server come here).
// Open to everyone; a signed-in hospital or regulator, or its API token (scope `read`), also gets its
// own local item codes resolved. Rate-limited per client address; the body is capped while it streams.
import { NextResponse } from 'next/server';
import { readBodyCapped } from './body';
import { clientAddressOf } from './auth/client-address';
import { tokenScopeFor } from './auth/token-scopes';
import { crossSiteRefusal, errorResponse, jsonError } from './http';
import { batchRateLimited, carriesCredentials, MAX_BATCH_BODY_BYTES, publicVerifyBatch } from './public-api';
import type { Actor } from './auth/actor';

/** Roles whose account owns a local-code map (analyte_local_codes.owner_id). */
export const LOCAL_CODE_ROLES: readonly Actor['role'][] = ['hospital', 'regulator'];

export async function verifyBatchRoute(req: Request): Promise<Response> {
  const limited = batchRateLimited(clientAddressOf(req.headers));
  if (limited) return NextResponse.json(limited.answer.body, { status: 429, headers: { 'retry-after': String(limited.retryAfter), 'cache-control': 'no-store' } });
  let ownerId: number | null = null;
  try {
    if (carriesCredentials(req.headers.get('authorization'), req.headers.get('cookie'))) {
      const { apiActor } = await import('./auth');
      const actor = await apiActor(req, tokenScopeFor(req.method, new URL(req.url).pathname));
      // a bearer header that is not a live token: refused; an expired session cookie: anonymous
      if (!actor && req.headers.get('authorization')) return jsonError(401, 'Invalid API token', undefined, 'auth.signInRequired');
      if (actor?.via === 'session') {
        const refused = crossSiteRefusal(req);
        if (refused) return refused;
      }
      if (actor && LOCAL_CODE_ROLES.includes(actor.role)) ownerId = actor.userId;
    }
    const answer = publicVerifyBatch(await readBodyCapped(req, MAX_BATCH_BODY_BYTES), { ownerId });
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
  } catch (e) {
    return errorResponse(e);
  }
}

// Route-handler wrapper: resolves the actor, maps AppError (and zod errors) to one JSON error shape.
import { NextResponse } from 'next/server';
import { AppError, BUSY_RETRY_AFTER_SECONDS, englishText, errorBody, type ErrorReason } from './errors';
import type { Actor } from './auth/actor';
import { publicApi, renderPublic } from './public-api';
import { tokenScopeFor } from './auth/token-scopes';
import { runJob } from './jobs';
import { getDb } from '@/db/client';
import { isSameOrigin } from './origin';
import { auditExport, auditRefusal } from './services/audit';

/** An error answer outside AppError (refusals decided in this file): `{ error, code, errors? }`. */
export function jsonError(status: number, message: string, errors?: unknown, code?: ErrorReason) {
  const reason = code ?? GENERIC_BY_STATUS[status] ?? 'common.invalid';
  return NextResponse.json(errors ? { error: message, code: reason, errors } : { error: message, code: reason }, { status });
}

const GENERIC_BY_STATUS: Record<number, ErrorReason> = { 401: 'auth.signInRequired', 403: 'auth.forbidden', 404: 'common.notFound', 409: 'common.conflict', 413: 'common.tooLarge', 422: 'common.invalid' };

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/**
 * Handlers for the methods a route does not implement: 405 `request.methodNotAllowed` with an Allow
 * header (RFC 9110 §15.5.6) and the JSON error body of every other refusal, where Next's own 405 has
 * neither. A route spreads the ones it lacks, and OPTIONS (204 with the same Allow; Next's own lists
 * every method exported, these refusals too): `export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST')`.
 */
export function otherMethods(...implemented: Method[]): Record<Method | 'OPTIONS', (req: Request) => Response> {
  const allow = [...implemented.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])), 'OPTIONS'].join(', ');
  const refuse = (req: Request): Response => {
    const params = { method: req.method, allow };
    const res = jsonError(405, englishText('request.methodNotAllowed', params), undefined, 'request.methodNotAllowed');
    res.headers.set('allow', allow);
    return res;
  };
  const handlers = {} as Record<Method | 'OPTIONS', (req: Request) => Response>;
  for (const m of METHODS) handlers[m] = refuse;
  handlers.OPTIONS = () => new Response(null, { status: 204, headers: { allow } });
  return handlers;
}

/** Every method of a path under /api/v1 that no route serves: a JSON 404 (`request.unknownPath`), as
 * every API error is, not the application's HTML page. */
export function unknownApiPath(req: Request): Response {
  const params = { method: req.method, path: new URL(req.url).pathname };
  return jsonError(404, englishText('request.unknownPath', params), undefined, 'request.unknownPath');
}

export function errorResponse(e: unknown) {
  const { status, body } = errorBody(e);
  // 503: the database stayed busy and nothing was written; the same request may be sent again
  return NextResponse.json(body, { status, ...(status === 503 ? { headers: { 'retry-after': String(BUSY_RETRY_AFTER_SECONDS) } } : {}) });
}

type Ctx<P> = { params: Promise<P> };

/**
 * A route handler for signed-in callers: the session cookie, or on /api/v1 an API token
 * (`Authorization: Bearer <token>`) holding the scope lib/auth/token-scopes.ts lists for the route
 * (403 without it). Every write by a token is audited with the token's id, whatever its outcome.
 * The handler gets the route params as Next gives them, already percent-decoded once by its router: a
 * handler uses them as they are (decoding again reads `%2525` as `%` and throws on a code holding `%`).
 */
export function withActor<P = Record<string, string>>(
  handler: (req: Request, actor: Actor, params: P) => Promise<Response> | Response,
) {
  return async (req: Request, ctx: Ctx<P>) => {
    let actor: Actor | null = null;
    let res: Response;
    try {
      const { apiActor } = await import('./auth');
      actor = await apiActor(req, tokenScopeFor(req.method, new URL(req.url).pathname));
      if (!actor) throw new AppError('auth.signInRequired');
      const refused = actor.via === 'session' ? crossSiteRefusal(req) : null;
      res = refused ?? (await handler(req, actor, await ctx.params));
    } catch (e) {
      res = errorResponse(e);
    }
    // a token's write is audited in a job worker (in production): writing here would block this
    // thread on SQLite's write lock while an import commits
    if (actor?.token && req.method !== 'GET' && req.method !== 'HEAD') {
      await runJob('audit.tokenUse', actor, { method: req.method, url: req.url, status: res.status }).catch((e: unknown) => console.error('[labqc] audit of a token use failed', e));
    }
    if (actor) await auditRefusalOrExport(actor, req, res);
    return privateAnswer(res);
  };
}

/** An answer for one signed-in caller (its lab's results, an export of every lab's): no shared
 * cache keeps it and no browser stores it, unless the route said otherwise. */
function privateAnswer(res: Response): Response {
  try {
    if (!res.headers.has('cache-control')) res.headers.set('cache-control', 'private, no-store');
  } catch {
    // a Response with immutable headers (none of ours): sent as it is
  }
  return res;
}

/** Refusals (403) and CSV exports are audited, folded to one row per actor × action per minute
 * (lib/services/audit.ts); auditing never changes the answer. */
async function auditRefusalOrExport(actor: Actor, req: Request, res: Response) {
  try {
    const url = new URL(req.url);
    const path = url.pathname.slice(0, 200);
    if (res.status === 403) await auditRefusal(getDb(), actor, { method: req.method, path });
    else if (req.method === 'GET' && res.status === 200 && res.headers.get('content-type')?.startsWith('text/csv') && !path.endsWith('/template'))
      await auditExport(getDb(), actor, { path, query: url.search.slice(0, 200) });
  } catch (e) {
    console.error('[labqc] audit of a refusal or export failed', e);
  }
}

/** Content types a cross-site page can POST without a CORS preflight (HTML forms, `text/plain`). */
const SIMPLE_CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * CSRF defence for cookie-authenticated writes (a Bearer token is never sent by a browser on its own,
 * so token requests skip it): the `Origin` must be this application's (lib/origin.ts), and a body a
 * cross-site form could send (`text/plain`, form encodings) is refused with 415.
 */
export function crossSiteRefusal(req: Request): Response | null {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return null;
  if (!isSameOrigin(req.headers.get('origin'), req.headers.get('host'))) return jsonError(403, 'Cross-origin request refused', undefined, 'auth.crossOrigin');
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (SIMPLE_CONTENT_TYPES.includes(type)) return jsonError(415, 'Send application/json or text/csv', undefined, 'body.unsupportedMediaType');
  return null;
}

/** A route handler open to everyone (public verification): no session or token work at all. */
export function publicRoute<P = Record<string, string>>(handler: (req: Request, params: P) => Promise<Response> | Response) {
  return async (req: Request, ctx: Ctx<P>) => {
    try {
      return await handler(req, await ctx.params);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** Route handler of the public API (see lib/public-api.ts). */
export async function publicApiRoute(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const answer = await publicApi(url.pathname, url.searchParams) ?? { status: 404, body: { error: 'Not found', code: 'common.notFound' } };
  const r = renderPublic(answer, req.headers.get('if-none-match'));
  return new NextResponse(r.body || null, { status: r.status, headers: r.headers });
}
